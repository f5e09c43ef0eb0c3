/** What the robustness tests share: the in-process CLI and a small map. */
export { runCli } from '../helpers.js';

/** The ownership-map test repositories use: one product domain and the table family it may not read. */
export const SMALL_MAP = `version: 1
domains:
  shop:
    name: Shop
    kind: product
    folders: [packages/shop/**]
    prefixes: [shop_]
  iam:
    name: IAM
    kind: platform
    folders: [packages/iam/**]
    prefixes: [iam_]
families:
  - id: accounts
    name: Accounts
    tables: [accounts]
    currentOwner: IAM team
    targetOwner: iam
    guardRule: Read accounts through the IAM API.
`;

/** A file whose one finding proves the scan reached it: shop code reading an IAM table. */
export const VIOLATING_FILE = {
  'packages/shop/src/orders.ts': "export const load = () => pool.query('SELECT * FROM accounts');\n",
};
