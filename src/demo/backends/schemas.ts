/** TypeBox schemas shared by the sample backends: they document the OpenAPI and speed up serialisation. */
import { Type, type TSchema } from '@sinclair/typebox';

export const AddressSchema = Type.Object({
  street: Type.String(),
  rt: Type.String({ pattern: '^\\d{3}$' }),
  rw: Type.String({ pattern: '^\\d{3}$' }),
  village: Type.String({ description: 'Kelurahan or desa' }),
  district: Type.String({ description: 'Kecamatan' }),
  city: Type.String({ description: 'Kabupaten or kota' }),
  province: Type.String(),
  postcode: Type.String({ pattern: '^\\d{5}$' }),
});

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  code: Type.String(),
  detail: Type.Optional(Type.String()),
}, { additionalProperties: true });

/** Response map with the usual problem documents. */
export function responses(ok: TSchema, status = 200, ...errors: number[]) {
  const map: Record<number, TSchema> = { [status]: ok };
  for (const e of errors.length ? errors : [400, 404]) map[e] = ProblemSchema;
  return map;
}
