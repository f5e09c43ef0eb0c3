import { describe, expect, it } from 'vitest';
import { factsOf, accessesOf, statementsOf } from './helpers.js';

const ENTITIES = [
  `import { BaseEntity, Entity, ManyToOne, OneToMany, PrimaryColumn } from 'typeorm';`,
  `@Entity({ name: 'users', schema: 'iam' })`,
  `export class User {`,
  `  @PrimaryColumn() id!: string;`,
  `  @OneToMany(() => Invoice, (invoice) => invoice.user) invoices!: Invoice[];`,
  `}`,
  `@Entity('invoice_headers')`,
  `export class Invoice {`,
  `  @ManyToOne('User') user!: User;`,
  `}`,
  `@Entity()`,
  `export class LedgerEntry extends BaseEntity {}`,
  `export class NotAnEntity {}`,
].join('\n');

/** Entities in their own package folder, a DataSource, and app.ts holding `code`. */
function repo(code: string): Record<string, string> {
  return {
    'entities/index.ts': `export * from './model';\n`,
    'entities/model.ts': ENTITIES + '\n',
    'data-source.ts': `import { DataSource } from 'typeorm';\nexport const dataSource = new DataSource({ type: 'postgres' });\n`,
    'app.ts': [
      `import { getRepository, type EntityManager, type Repository } from 'typeorm';`,
      `import { dataSource } from './data-source';`,
      `import { Invoice, LedgerEntry, NotAnEntity, User } from './entities';`,
      code,
      '',
    ].join('\n'),
  };
}

const accesses = (code: string) => accessesOf(repo(code), 'app.ts');

describe('typeorm: entities', () => {
  it('names tables by @Entity(name), @Entity({ name, schema }), and the snake_case class name', async () => {
    const code = `dataSource.manager.find(User); dataSource.manager.find(Invoice); dataSource.manager.find(LedgerEntry);`;
    expect(await accesses(code)).toEqual(['typeorm read iam.users 4:25', 'typeorm read invoice_headers 4:56', 'typeorm read ledger_entry 4:90']);
  });
});

describe('typeorm: repositories and the entity manager', () => {
  const cases: Array<[string, string, string[]]> = [
    ['getRepository(E) and dataSource.getRepository(E), at the method', `getRepository(User).find(); dataSource.getRepository(Invoice).delete({ id: '1' });`, [
      'typeorm read iam.users 4:21',
      'typeorm delete invoice_headers 4:63',
    ]],
    ['repository methods: save is an insert, create and merge run no query', [
      `const users = dataSource.manager.getRepository(User);`,
      `users.create({}); users.merge({} as User, {}); users.save({}); users.update({ id: '1' }, {}); users.softDelete({ id: '1' }); users.remove({} as User); users.clear();`,
    ].join('\n'), [
      'typeorm insert iam.users 5:54',
      'typeorm update iam.users 5:70',
      'typeorm update iam.users 5:101',
      'typeorm delete iam.users 5:132',
      'typeorm truncate iam.users 5:158',
    ]],
    ['manager calls take the entity from the first argument', `dataSource.manager.insert(LedgerEntry, {}); dataSource.manager.update(Invoice, { id: '1' }, {}); dataSource.manager.count('User');`, [
      'typeorm insert ledger_entry 4:27',
      'typeorm update invoice_headers 4:71',
      'typeorm read iam.users 4:123',
    ]],
    ['an entity instance: new E(), or a value typed E', `export function f(manager: EntityManager, invoice: Invoice) { manager.save(new User()); manager.remove(invoice); }`, [
      'typeorm insert iam.users 4:76',
      'typeorm delete invoice_headers 4:104',
    ]],
    ['an argument that names no entity is unresolved', `export function f(manager: EntityManager, row: unknown) { manager.save(row); manager.insert(NotAnEntity, {}); }`, [
      'typeorm insert ?row 4:72',
      'typeorm insert ?NotAnEntity 4:93',
    ]],
    ['BaseEntity statics and instances', `LedgerEntry.find(); new LedgerEntry().save();`, ['typeorm read ledger_entry 4:13', 'typeorm insert ledger_entry 4:39']],
    ['raw SQL through query() is TypeORM\'s', `dataSource.query('SELECT id FROM nodes');`, ['typeorm read nodes 4:34']],
  ];
  it.each(cases)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });

  it('reads @InjectRepository(E) members and Repository<E> parameters (Nest)', async () => {
    const code = [
      `import { InjectRepository } from '@nestjs/typeorm';`,
      `export class Service {`,
      `  constructor(@InjectRepository(Invoice) private readonly invoices: Repository<Invoice>) {}`,
      `  list() { return this.invoices.findBy({}); }`,
      `}`,
      `export const count = (users: Repository<User>) => users.count();`,
    ].join('\n');
    expect(await accesses(code)).toEqual(['typeorm read invoice_headers 7:33', 'typeorm read iam.users 9:57']);
  });
});

describe('typeorm: query builders', () => {
  const cases: Array<[string, string, string[]]> = [
    ['createQueryBuilder(E, alias) with a join by entity', `dataSource.createQueryBuilder(User, 'u').innerJoin(Invoice, 'i', 'i.user_id = u.id').getMany();`, [
      'typeorm read iam.users 4:31',
      'typeorm read invoice_headers 4:52',
    ]],
    ['a join by relation path follows the entity\'s relation', `getRepository(User).createQueryBuilder('u').leftJoinAndSelect('u.invoices', 'i').getMany();`, [
      'typeorm read iam.users 4:21',
      'typeorm read invoice_headers 4:63',
    ]],
    ['insert … into, update(E), delete … from', [
      `dataSource.createQueryBuilder().insert().into(LedgerEntry).values({}).execute();`,
      `dataSource.createQueryBuilder().update(User).set({}).execute();`,
      `dataSource.createQueryBuilder().delete().from('audit_events').execute();`,
    ].join('\n'), [
      'typeorm insert ledger_entry 4:47',
      'typeorm update iam.users 5:40',
      'typeorm delete audit_events 6:47',
    ]],
  ];
  it.each(cases)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });

  it('keeps a join in the statement of its builder and gives a transaction\'s calls their own', async () => {
    const code = `dataSource.createQueryBuilder(User, 'u').innerJoin(Invoice, 'i', 'i.user_id = u.id').getMany();\ndataSource.transaction(async (manager) => { await manager.delete(Invoice, {}); await manager.insert(LedgerEntry, {}); });`;
    expect(await statementsOf(repo(code), 'app.ts')).toEqual([['read iam.users', 'read invoice_headers'], ['delete invoice_headers'], ['insert ledger_entry']]);
  });
});

describe('typeorm: migrations', () => {
  it('attributes queryRunner.query SQL to TypeORM', async () => {
    const files = {
      'migrations/1-init.ts': `import type { MigrationInterface, QueryRunner } from 'typeorm';\nexport class Init1 implements MigrationInterface {\n  async up(queryRunner: QueryRunner) { await queryRunner.query('CREATE TABLE app_things (id int)'); }\n  async down() {}\n}\n`,
    };
    expect((await factsOf(files, 'migrations/1-init.ts')).accesses.map((a) => `${a.framework} ${a.operation} ${a.table.name} in ${a.enclosingFunction}`)).toEqual([
      'typeorm create app_things in Init1.up',
    ]);
  });
});

describe('typeorm: not an ORM call', () => {
  const quiet: Array<[string, string]> = [
    ['a Set of entities', `const seen = new Set<User>();\nseen.delete(new User());`],
    ['array find and remove helpers', `[new User()].find((user) => user.id === '1');\nexport function f(list: { remove(x: unknown): void }) { list.remove(User); }`],
    ['an entity without BaseEntity has no statics', `(User as any).find();`],
  ];
  it.each(quiet)('%s', async (_name, code) => {
    expect(await accesses(code)).toEqual([]);
  });
});
