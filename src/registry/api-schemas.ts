/**
 * TypeBox schemas of the registry management API: they validate requests, shape responses and
 * are what `/openapi.json` publishes.
 */
import { Type, type Static } from '@sinclair/typebox';

const Id = (description: string, examples: string[]) => Type.String({ minLength: 1, maxLength: 300, description, examples });
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

export const MemberId = Id('Member id INSTANCE/CLASS/MEMBER', ['ID/GOV/DUKCAPIL']);
export const SubsystemId = Id('Subsystem id INSTANCE/CLASS/MEMBER/SUBSYSTEM', ['ID/GOV/DUKCAPIL/SIAK']);
export const ServiceId = Id('Service id INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE', ['ID/GOV/DUKCAPIL/SIAK/person']);
export const GatewayId = Id('Gateway id INSTANCE/CLASS/MEMBER/CODE', ['ID/GOV/DUKCAPIL/gw1']);

export const Role = Type.Union([Type.Literal('registry-admin'), Type.Literal('agency-admin'), Type.Literal('auditor')]);

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  code: Type.String(),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
}, { additionalProperties: true, description: 'RFC 9457 problem details with a stable Simpul code' });

export const TokenRequest = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
}, { additionalProperties: false });

export const Principal = Type.Object({
  username: Type.String(),
  role: Role,
  member: Type.Union([Type.String(), Type.Null()]),
});

export const TokenResponse = Type.Object({
  token: Type.String({ description: 'Opaque bearer token for the Authorization header' }),
  tokenType: Type.Literal('Bearer'),
  expiresAt: Time,
  username: Type.String(),
  role: Role,
  member: Type.Union([Type.String(), Type.Null()]),
});

export const Member = Type.Object({ id: MemberId, name: Type.String(), createdAt: Time });
export const NewMember = Type.Object({ id: MemberId, name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const Subsystem = Type.Object({ id: SubsystemId, member: MemberId, createdAt: Time });
export const NewSubsystem = Type.Object({ id: SubsystemId }, { additionalProperties: false });

const OpenApiDocument = Type.Record(Type.String(), Type.Unknown(), { description: 'OpenAPI 3.x description of the service API (an object with an "openapi" field)' });

export const Service = Type.Object({
  id: ServiceId,
  subsystem: SubsystemId,
  title: Type.String(),
  personalData: Type.Boolean(),
  openapi: Type.Union([OpenApiDocument, Type.Null()]),
  dataModel: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  createdAt: Time,
});
export const NewService = Type.Object({
  id: ServiceId,
  title: Type.String({ minLength: 1, maxLength: 200 }),
  personalData: Type.Boolean({ description: 'Requests must name the data subject (Simpul-Subject)' }),
  openapi: Type.Optional(Type.Union([OpenApiDocument, Type.Null()])),
  dataModel: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export const ServicePatch = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

export const Gateway = Type.Object({
  id: GatewayId,
  member: MemberId,
  address: Type.String(),
  tlsCertificate: Type.String({ description: 'PEM certificate issued by the instance CA' }),
  signingKey: Type.String({ description: 'Raw Ed25519 public key, base64' }),
  logKey: Type.Optional(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
  registeredAt: Time,
  revokedAt: NullableTime,
});
export const NewGateway = Type.Object({
  id: GatewayId,
  address: Type.String({ description: 'https base URL other gateways reach it at', examples: ['https://gw.dukcapil.go.id:8443'] }),
  signingKey: Type.String({ description: 'Raw Ed25519 public key (32 bytes), base64' }),
  logKey: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  csr: Type.String({ description: 'PEM PKCS#10 request for the gateway TLS key' }),
}, { additionalProperties: false });
export const RegisteredGateway = Type.Object({ gateway: Gateway, tlsCertificate: Type.String(), caCertificate: Type.String() });

export const AccessRight = Type.Object({
  id: Type.String(),
  client: SubsystemId,
  service: ServiceId,
  purpose: Type.String(),
  legalBasis: Type.String({ description: 'The regulation that allows the access' }),
  grantedAt: Time,
  grantedBy: Type.String(),
  expiresAt: NullableTime,
  revokedAt: NullableTime,
  revokedBy: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});
export const NewAccessRight = Type.Object({
  client: SubsystemId,
  service: ServiceId,
  purpose: Type.String({ examples: ['STATISTIK-SENSUS'] }),
  legalBasis: Type.String({ minLength: 1, maxLength: 500, examples: ['UU 24/2013 Adminduk'] }),
  expiresAt: Type.Optional(Type.Union([Time, Type.Null()])),
}, { additionalProperties: false });
export const RightQuery = Type.Object({
  client: Type.Optional(SubsystemId),
  service: Type.Optional(ServiceId),
  provider: Type.Optional(MemberId),
  all: Type.Optional(Type.Boolean({ description: 'Include revoked and expired rights' })),
});

export const AuditEvent = Type.Object({
  id: Type.Integer(),
  at: Time,
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
});
export const AuditQuery = Type.Object({
  target: Type.Optional(Type.String()),
  actor: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'Page backwards: events with a smaller id' })),
});

export const NewUser = Type.Object({
  username: Type.String({ minLength: 2, maxLength: 64 }),
  role: Role,
  member: Type.Optional(Type.Union([MemberId, Type.Null()])),
  password: Type.Optional(Type.String({ minLength: 12, maxLength: 1024 })),
}, { additionalProperties: false });
export const CreatedUser = Type.Object({ username: Type.String(), role: Role, member: Type.Union([Type.String(), Type.Null()]), password: Type.String({ description: 'Shown once' }) });
export const User = Type.Object({ username: Type.String(), role: Role, member: Type.Union([Type.String(), Type.Null()]), createdAt: Time });

export const MemberQuery = Type.Object({ member: Type.Optional(MemberId) });
export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 300, description: 'URL-encoded id' }) });

export const SignedConfiguration = Type.Object({
  payload: Type.String({ description: 'base64 of the UTF-8 JSON bytes that were signed' }),
  signature: Type.String({ description: 'base64 Ed25519 signature over the payload bytes' }),
  signer: Type.String({ description: 'base64 raw public key of the signer' }),
});
export const Anchor = Type.Object({
  instance: Type.String(),
  algorithm: Type.Literal('Ed25519'),
  publicKey: Type.String({ description: 'Raw 32-byte Ed25519 public key, base64' }),
});

export type NewServiceBody = Static<typeof NewService>;
