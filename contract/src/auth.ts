/** Sign-in by email code, the caller, and the admin-managed teacher allow-list. */
import { z } from 'zod';

export const RoleSchema = z.enum(['student', 'teacher', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

/** Emails are trimmed and lower-cased before anything else looks at them. */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: 'Enter a valid email address.' }));

/** Six digits, as sent by email. */
export const OtpCodeSchema = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'The code has 6 digits.');

/** A device's public key (JWK), registered at sign-in for later device binding. Never a private key. */
export const DeviceKeySchema = z
  .object({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  })
  .strict();
export type DeviceKey = z.infer<typeof DeviceKeySchema>;

export const AuthCodeRequestSchema = z.object({ email: EmailSchema });
export const AuthCodeResponseSchema = z.object({ sent: z.literal(true) });

export const AuthVerifyRequestSchema = z.object({
  email: EmailSchema,
  code: OtpCodeSchema,
  deviceKey: DeviceKeySchema.optional(),
});

export const UserSchema = z.object({ id: z.string(), email: z.string(), role: RoleSchema });
export type User = z.infer<typeof UserSchema>;

export const AuthVerifyResponseSchema = z.object({
  token: z.string(),
  /** When the token stops being accepted (ISO 8601). */
  expiresAt: z.iso.datetime(),
  user: UserSchema,
  /** The id (`device.id` on scans) of the `deviceKey` registered with this sign-in, when one was sent. */
  deviceId: z.string().optional(),
});
export type AuthVerifyResponse = z.infer<typeof AuthVerifyResponseSchema>;

export const MeResponseSchema = UserSchema;

/** Registers this device's public key for the signed-in user (a key made after sign-in, or lost and remade). */
export const DeviceRegisterRequestSchema = z.object({ deviceKey: DeviceKeySchema });
/** The registered key's id: `device.id` on scans (its RFC 7638 thumbprint). */
export const DeviceRegisterResponseSchema = z.object({ deviceId: z.string() });

export const TeacherEntrySchema = z.object({
  email: z.string(),
  addedBy: z.string(),
  addedAt: z.iso.datetime(),
});
export type TeacherEntry = z.infer<typeof TeacherEntrySchema>;

export const AddTeacherRequestSchema = z.object({ email: EmailSchema });
export const TeacherListResponseSchema = z.object({ teachers: z.array(TeacherEntrySchema) });

export const OutboxMessageSchema = z.object({
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  /** The sign-in code the message carries (dev outbox only). */
  code: z.string().optional(),
  sentAt: z.iso.datetime(),
});
export const OutboxResponseSchema = z.object({ messages: z.array(OutboxMessageSchema) });
export type OutboxMessage = z.infer<typeof OutboxMessageSchema>;

/** Name of the HttpOnly session cookie set at sign-in. */
export const SESSION_COOKIE = 'qrca_session';
