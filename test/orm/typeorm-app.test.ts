/**
 * TypeORM as applications write it: repositories reached through the app's own connection wrapper,
 * single-table inheritance, relations loaded by find options, builders kept in variables, CTEs,
 * many-to-many junctions and RelationQueryBuilder writes.
 */
import { describe, expect, it } from 'vitest';
import { accessesOf, statementsOf } from './helpers.js';

const ENTITIES = [
  `import { ChildEntity, Entity, JoinTable, ManyToMany, ManyToOne, OneToMany, TableInheritance, TreeChildren, TreeParent } from 'typeorm';`,
  `@Entity()`,
  `export class Channel {}`,
  `@Entity()`,
  `export class Promotion {`,
  `  @ManyToMany(type => Order, order => order.promotions) orders!: Order[];`,
  `}`,
  `@Entity()`,
  `export class Order {`,
  `  @OneToMany(type => OrderLine, line => line.order) lines!: OrderLine[];`,
  `  @OneToMany(type => Payment, payment => payment.order) payments!: Payment[];`,
  `  @ManyToOne(type => Customer) customer!: Customer;`,
  `  @ManyToMany(type => Promotion, promotion => promotion.orders) @JoinTable() promotions!: Promotion[];`,
  `  @ManyToMany(type => Channel) @JoinTable({ name: 'order_channel' }) channels!: Channel[];`,
  `}`,
  `@Entity()`,
  `export class OrderLine {`,
  `  @ManyToOne(type => Order, order => order.lines) order!: Order;`,
  `  @ManyToOne(type => ProductVariant) productVariant!: ProductVariant;`,
  `}`,
  `@Entity()`,
  `export class Payment { @ManyToOne(type => Order, order => order.payments) order!: Order; }`,
  `@Entity()`,
  `export class Customer {}`,
  `@Entity()`,
  `export class Category { @TreeParent() parent!: Category; @TreeChildren() children!: Category[]; }`,
  `@Entity()`,
  `export class ProductVariant {}`,
  `@Entity()`,
  `@TableInheritance({ column: { type: 'varchar', name: 'discriminator' } })`,
  `export class StockMovement { @ManyToOne(type => OrderLine) orderLine!: OrderLine; }`,
].join('\n');

/** A NestJS-style connection wrapper, as applications write their own. */
const CONNECTION = [
  `import { Injectable } from '@nestjs/common';`,
  `import { InjectDataSource } from '@nestjs/typeorm';`,
  `import { DataSource, EntityManager, ObjectType, Repository } from 'typeorm';`,
  `@Injectable()`,
  `export class TransactionalConnection {`,
  `  constructor(@InjectDataSource() private dataSource: DataSource) {}`,
  `  get rawConnection(): DataSource { return this.dataSource; }`,
  `  getRepository<T>(ctx: unknown, target: ObjectType<T>): Repository<T> { return this.dataSource.getRepository(target); }`,
  `  async getEntityOrThrow<T>(ctx: unknown, target: ObjectType<T>, id: string, options: object = {}): Promise<T> { return undefined as T; }`,
  `  async withTransaction<T>(work: () => Promise<T>): Promise<T> { return work(); }`,
  `  findOneInChannel<T>(ctx: unknown, entity: ObjectType<T>, id: string, channelId: string) {`,
  `    const qb = this.getRepository(ctx, entity).createQueryBuilder('entity');`,
  `    return qb.leftJoin('entity.channels', '__channel').andWhere('__channel.id = :channelId', { channelId }).getOne();`,
  `  }`,
  `}`,
].join('\n');

/** A service that holds a client but hands nothing out: its own methods are no queries. */
const PLAIN_SERVICE = [
  `import { InjectDataSource } from '@nestjs/typeorm';`,
  `import { DataSource } from 'typeorm';`,
  `export class OrderReportService {`,
  `  constructor(@InjectDataSource() private dataSource: DataSource) {}`,
  `  find(what: unknown) { return [what]; }`,
  `}`,
].join('\n');

function repo(code: string): Record<string, string> {
  return {
    'src/entity/model.ts': ENTITIES + '\n',
    'src/entity/sale.ts': `import { ChildEntity } from 'typeorm';\nimport { StockMovement } from './model';\n@ChildEntity()\nexport class Sale extends StockMovement {}\n`,
    'src/entity/index.ts': `export * from './model';\nexport * from './sale';\n`,
    'src/connection/transactional-connection.ts': CONNECTION + '\n',
    'src/connection/index.ts': `export * from './transactional-connection';\n`,
    'src/report.service.ts': PLAIN_SERVICE + '\n',
    'src/service.ts': [
      `import { Brackets } from 'typeorm';`,
      `import { TransactionalConnection } from './connection';`,
      `import { OrderReportService } from './report.service';`,
      `import { Category, Channel, Customer, Order, OrderLine, Payment, Promotion, Sale } from './entity';`,
      `export class OrderService {`,
      `  constructor(private connection: TransactionalConnection, private reports: OrderReportService) {}`,
      `  async run(ctx: unknown, id: string, relations?: string[]) {`,
      code,
      `  }`,
      `}`,
      '',
    ].join('\n'),
  };
}

const accesses = (code: string) => accessesOf(repo(code), 'src/service.ts');

describe('typeorm: the application\'s own connection wrapper', () => {
  const seen: Array<[string, string, string[]]> = [
    ['getRepository(ctx, E) takes the entity from the argument that names one', `await this.connection.getRepository(ctx, Order).find();`, ['typeorm read order 8:49']],
    ['a getter of the wrapper declared to return a DataSource is a client', `await this.connection.rawConnection.getRepository(Payment).delete({ id });`, ['typeorm delete payment 8:60']],
    ['the wrapper\'s own method given an entity class reads its table', `await this.connection.getEntityOrThrow(ctx, Customer, id);`, ['typeorm read customer 8:23']],
    ['a builder from the wrapper\'s repository', `await this.connection.getRepository(ctx, Order).createQueryBuilder('o').leftJoin('o.lines', 'l').getMany();`, [
      'typeorm read order 8:49',
      'typeorm read order_line 8:82',
    ]],
    ['what the wrapper\'s method joins on the entity it is given is read at the call', `await this.connection.findOneInChannel(ctx, Order, id, 'c1');`, [
      'typeorm read order 8:23',
      'typeorm read order_channel 8:23',
      'typeorm read channel 8:23',
    ]],
    ['a relation the wrapper joins that the entity lacks is not read', `await this.connection.findOneInChannel(ctx, Customer, id, 'c1');`, ['typeorm read customer 8:23']],
  ];
  it.each(seen)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });

  const quiet: Array<[string, string]> = [
    ['a service that holds a client but hands out nothing is no client', `this.reports.find(Order);`],
    ['the wrapper\'s methods given no entity send nothing', `await this.connection.withTransaction(async () => 1);`],
    ['TypeORM\'s own methods that take an entity and send no query', `this.connection.rawConnection.getMetadata(Order); this.connection.rawConnection.manager.create(Order, {});`],
  ];
  it.each(quiet)('%s', async (_name, code) => {
    expect(await accesses(code)).toEqual([]);
  });
});

describe('typeorm: single-table inheritance', () => {
  it('a @ChildEntity lives in its parent\'s table and inherits its relations', async () => {
    const code = `await this.connection.getRepository(ctx, Sale).createQueryBuilder('sale').leftJoinAndSelect('sale.orderLine', 'line').getMany();`;
    expect(await accesses(code)).toEqual(['typeorm read stock_movement 8:48', 'typeorm read order_line 8:93']);
  });
});

describe('typeorm: relations of find options', () => {
  const seen: Array<[string, string, string[]]> = [
    ['a list of paths, each table where its path is written', `await this.connection.getRepository(ctx, Order).findOne({ where: { id }, relations: ['customer', 'lines.productVariant'] });`, [
      'typeorm read order 8:49',
      'typeorm read customer 8:86',
      'typeorm read order_line 8:98',
      'typeorm read product_variant 8:98',
    ]],
    ['the object form', `await this.connection.getRepository(ctx, OrderLine).find({ relations: { order: { customer: true } } });`, [
      'typeorm read order_line 8:53',
      'typeorm read order 8:73',
      'typeorm read customer 8:82',
    ]],
    ['a const list of the file, the default of `??` and a filtered list, each read where its path is written', `const DEFAULTS = ['payments'];\nawait this.connection.getRepository(ctx, Order).find({ relations: DEFAULTS.filter((r) => r !== 'x') });\nawait this.connection.getEntityOrThrow(ctx, Order, id, { relations: relations ?? ['customer'] });`, [
      'typeorm read payment 8:19',
      'typeorm read order 9:49',
      'typeorm read order 10:23',
      'typeorm read ?relations 10:69',
      'typeorm read customer 10:83',
    ]],
    ['`{ relations }` of a parameter: its default, and what callers pass (unknown)', `const load = (relations: string[] = ['customer']) => this.connection.getEntityOrThrow(ctx, Order, id, { relations });\nawait load();`, [
      'typeorm read customer 8:38',
      'typeorm read order 8:70',
      'typeorm read ?relations 8:105',
    ]],
    ['tree relations lead to the entity itself', `await this.connection.getRepository(ctx, Category).find({ relations: ['parent', 'children'] });`, [
      'typeorm read category 8:52',
      'typeorm read category 8:71',
      'typeorm read category 8:81',
    ]],
    ['a relation loaded by several paths is read once, where it is first written', `await this.connection.getRepository(ctx, OrderLine).find({ relations: ['order', 'order.customer'] });`, [
      'typeorm read order_line 8:53',
      'typeorm read order 8:72',
      'typeorm read customer 8:81',
    ]],
    ['a relation the entity does not declare is unknown, never skipped', `await this.connection.getRepository(ctx, Order).find({ relations: ['notARelation'] });`, [
      'typeorm read order 8:49',
      'typeorm read ?\'notARelation\' 8:68',
    ]],
  ];
  it.each(seen)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });

  it('where clauses that name relations are filters, not loads', async () => {
    expect(await accesses(`await this.connection.getRepository(ctx, Payment).find({ where: { order: { id } } });`)).toEqual(['typeorm read payment 8:51']);
  });
});

describe('typeorm: builders kept in variables', () => {
  it('a builder in a variable keeps its aliases for later joins', async () => {
    const code = `const qb = this.connection.getRepository(ctx, Order).createQueryBuilder('order');\nqb.leftJoinAndSelect('order.lines', 'line').getMany();`;
    expect(await accesses(code)).toEqual(['typeorm read order 8:54', 'typeorm read order_line 9:22']);
  });

  it('a builder in a variable keeps its entity for later find options', async () => {
    const code = `const qb = this.connection.getRepository(ctx, OrderLine).createQueryBuilder('line');\nqb.setFindOptions({ relations: ['order'] }).getMany();`;
    expect(await accesses(code)).toEqual(['typeorm read order_line 8:58', 'typeorm read order 9:33']);
  });

  it('a join by an alias no one declared here is unknown, not a table in a schema named like the alias', async () => {
    const code = `const qb = this.connection.getRepository(ctx, Order).createQueryBuilder('order');\nqb.leftJoin('line.productVariant', 'variant').getMany();\nthis.connection.rawConnection.createQueryBuilder().select().from('audit.events', 'e').getMany();`;
    expect(await accesses(code)).toEqual(['typeorm read order 8:54', 'typeorm read ?\'line.productVariant\' 9:13', 'typeorm read audit.events 10:66']);
  });

  it('update({ set }) on a builder names no table', async () => {
    const code = `await this.connection.getRepository(ctx, OrderLine).createQueryBuilder('line').update({ order: undefined }).whereInIds([id]).execute();`;
    expect(await accesses(code)).toEqual(['typeorm update order_line 8:53']);
  });
});

describe('typeorm: CTEs', () => {
  it('the name of a CTE is not a table; the CTE\'s own builder reads its tables', async () => {
    const code = [
      `const lines = this.connection.rawConnection.createQueryBuilder().select('l.id').from(OrderLine, 'l');`,
      `await this.connection.rawConnection.createQueryBuilder().addCommonTableExpression(lines, 'recent_lines').select('r.id').from('recent_lines', 'r').getRawMany();`,
    ].join('\n');
    expect(await accesses(code)).toEqual(['typeorm read order_line 8:86']);
  });
});

describe('typeorm: many-to-many junctions and relation writes', () => {
  const seen: Array<[string, string, string[]]> = [
    ['a join through a many-to-many relation reads the junction, named by TypeORM or by @JoinTable', `await this.connection.getRepository(ctx, Order).find({ relations: ['promotions', 'channels'] });`, [
      'typeorm read order 8:49',
      'typeorm read order_promotions_promotion 8:68',
      'typeorm read promotion 8:68',
      'typeorm read order_channel 8:82',
      'typeorm read channel 8:82',
    ]],
    ['from the inverse side, the owning side\'s junction', `await this.connection.getRepository(ctx, Promotion).createQueryBuilder('p').innerJoin('p.orders', 'o').getMany();`, [
      'typeorm read promotion 8:53',
      'typeorm read order_promotions_promotion 8:87',
      'typeorm read order 8:87',
    ]],
    ['add to a one-to-many relation updates the related rows', `await this.connection.getRepository(ctx, Order).createQueryBuilder().relation('payments').of(id).add(id);`, ['typeorm update payment 8:79']],
    ['add and remove on a many-to-many relation write its junction', `await this.connection.getRepository(ctx, Order).createQueryBuilder().relation('promotions').of(id).addAndRemove([], []);`, [
      'typeorm insert order_promotions_promotion 8:79',
      'typeorm delete order_promotions_promotion 8:79',
    ]],
    ['loadMany reads the related table', `await this.connection.rawConnection.createQueryBuilder().relation(Order, 'channels').of(id).loadMany();`, [
      'typeorm read order_channel 8:74',
      'typeorm read channel 8:74',
    ]],
  ];
  it.each(seen)('%s', async (_name, code, expected) => {
    expect(await accesses(code)).toEqual(expected);
  });

  it('the relations a find loads share its statement', async () => {
    const code = `await this.connection.getRepository(ctx, Order).find({ relations: ['customer'] });\nawait this.connection.getRepository(ctx, Payment).find();`;
    expect(await statementsOf(repo(code), 'src/service.ts')).toEqual([['read order', 'read customer'], ['read payment']]);
  });
});
