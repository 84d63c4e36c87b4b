/**
 * The configuration schema: the only place that knows config keys. One YAML file is parsed
 * (config/load.ts) and validated here; unknown keys are errors (a typo must not silently fall
 * back to a default). Configuration is data, never code: nothing here is evaluated or loaded
 * as a module (DESIGN.md invariant 5).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { MAX_MESSAGE_BYTES_CEILING } from '../core/limits.js';
import { ACTIONS } from '../core/verdict.js';

/** `host:port` or `[v6]:port`. */
const listenAddress = z.string().transform((value, ctx) => {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:\s]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `expected host:port or [ipv6]:port, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return { host: m[1], port };
});
export type ListenAddress = z.output<typeof listenAddress>;

/** A secret: a literal string, or `{ file: PATH }`, or `{ env: NAME }`; resolved by config/load.ts. */
const secret = z.union([
  z.string().min(1),
  z.strictObject({ file: z.string().min(1) }),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }),
]);
export type SecretRef = z.output<typeof secret>;

/** An IPv4 or IPv6 network in CIDR form, or a single address. */
const cidr = z.string().refine((value) => {
  const [addr, bits, extra] = value.split('/');
  if (extra !== undefined || !addr) return false;
  const family = isIP(addr);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}, 'expected an IP address or CIDR network such as 10.0.0.0/8 or "::1/128"');

const tlsMode = z.enum(['off', 'opportunistic', 'required']);
export type TlsMode = z.output<typeof tlsMode>;

/** A next-hop SMTP server: `smtp://host:port` shorthand or the full object. */
const nextHopObject = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(25),
  tls: tlsMode.default('opportunistic'),
  /** Implicit TLS from the first byte (port 465 style). */
  implicitTls: z.boolean().default(false),
  auth: z.strictObject({ user: z.string().min(1), pass: secret }).optional(),
  /** Accept an invalid or self-signed certificate from this hop (off by default). */
  allowInvalidCertificate: z.boolean().default(false),
});
const nextHop = z.union([
  z.string().transform((value, ctx) => {
    const m = /^(smtps?):\/\/([^:/\s]+|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?\/?$/.exec(value);
    if (!m || !m[2]) {
      ctx.addIssue({ code: 'custom', message: `expected smtp://host[:port] or smtps://host[:port], got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    const implicitTls = m[1] === 'smtps';
    return nextHopObject.parse({
      host: m[2].replace(/^\[|\]$/g, ''),
      port: m[3] ? Number(m[3]) : implicitTls ? 465 : 25,
      implicitTls,
    });
  }),
  nextHopObject,
]);
export type NextHop = z.output<typeof nextHopObject>;

const recipientVerification = z.discriminatedUnion('verify', [
  z.strictObject({ verify: z.literal('none') }),
  z.strictObject({
    verify: z.literal('static'),
    /** Local parts or full addresses; `*@domain` style globs are not allowed here. */
    addresses: z.array(z.string().min(1)).min(1),
  }),
  z.strictObject({
    verify: z.literal('callout'),
    cacheSeconds: z.number().int().positive().default(3600),
    negativeCacheSeconds: z.number().int().positive().default(600),
  }),
]);

const domainName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'expected a domain name such as example.org')
  .transform((s) => s.toLowerCase());

const acceptedDomain = z.strictObject({
  name: domainName,
  downstream: nextHop,
  recipients: recipientVerification.default({ verify: 'none' }),
});
export type AcceptedDomain = z.output<typeof acceptedDomain>;

const positiveInt = () => z.number().int().positive();

const smtpSchema = z.strictObject({
  listen: listenAddress.default({ host: '127.0.0.1', port: 2525 }),
  hostname: z.string().min(1).default('localhost'),
  /** Submission listener for authenticated users (AUTH is offered only after STARTTLS). */
  submission: z.strictObject({ listen: listenAddress }).optional(),
  tls: z
    .strictObject({ cert: z.string().min(1), key: z.string().min(1) })
    .optional(),
  /** SIZE: the largest message accepted, in bytes (answer 552 above it). */
  maxMessageSize: positiveInt().max(MAX_MESSAGE_BYTES_CEILING).default(25 * 1024 * 1024 + 512 * 1024),
  maxRecipients: positiveInt().max(10000).default(100),
  maxMessagesPerSession: positiveInt().default(100),
  maxCommandsPerSession: positiveInt().default(1000),
  maxConnections: positiveInt().default(1000),
  maxConnectionsPerIp: positiveInt().default(50),
  /** Whole-session time limit. */
  sessionTimeoutSeconds: positiveInt().default(600),
  /** Idle time between commands. */
  idleTimeoutSeconds: positiveInt().default(60),
  /**
   * Wait this long before the 220 greeting; a client that talks first gets 421 (a pregreet
   * test, like postscreen's). 0 greets at once; the early-talker check still runs while the
   * connect-time blocklists are asked.
   */
  greetPauseMs: z.number().int().min(0).max(30000).default(0),
  /** Expect a HAProxy PROXY protocol header (v1) on every connection. */
  proxyProtocol: z.boolean().default(false),
});

/**
 * Where clamd listens: `tcp://host:port` (`tcp://[v6]:port`), or the absolute path of its unix
 * socket (`/run/clamav/clamd.ctl`, optionally written `unix:/run/...`).
 */
const clamdAddress = z.string().transform((value, ctx) => {
  const tcp = /^tcp:\/\/(?:\[([0-9a-fA-F:.]+)\]|([^:/\s[\]]+)):(\d{1,5})\/?$/.exec(value);
  if (tcp) {
    const port = Number(tcp[3]);
    if (port >= 1 && port <= 65535) return { kind: 'tcp' as const, host: (tcp[1] ?? tcp[2]) as string, port };
  }
  const path = value.startsWith('unix:') ? value.slice('unix:'.length) : value;
  if (!tcp && path.startsWith('/') && !path.includes('\0')) return { kind: 'unix' as const, path };
  ctx.addIssue({ code: 'custom', message: `expected tcp://host:port or an absolute unix socket path, got ${JSON.stringify(value)}` });
  return z.NEVER;
});
export type ClamdAddress = z.output<typeof clamdAddress>;

/** The clamd (ClamAV daemon) to send attachments to; absent means no antivirus scan. */
const clamavSchema = z.strictObject({
  address: clamdAddress,
  /** Connect, send and answer, per file; over it the message is tempfailed (CLAMAV_UNAVAILABLE). */
  timeoutMs: positiveInt().default(15000),
  /** Largest file sent; keep at or under clamd's StreamMaxLength. Larger files: CLAMAV_SKIPPED_SIZE. */
  maxBytes: positiveInt().max(MAX_MESSAGE_BYTES_CEILING).default(25 * 1024 * 1024),
});
export type ClamavConfig = z.output<typeof clamavSchema>;

const scanSchema = z.strictObject({
  /** Number of sandbox processes; 0 is not allowed (scanning is never off). */
  sandboxes: positiveInt().max(64).default(2),
  /**
   * Messages one sandbox scans at once: while one waits on DNS or clamd another uses the CPU.
   * Memory grows with it (each job holds its message); a sandbox killed for one job's limit
   * tempfails the others.
   */
  jobsPerSandbox: positiveInt().max(32).default(4),
  /** Time one message may spend in a sandbox before it is killed and the message tempfailed. */
  timeoutMs: positiveInt().default(30000),
  /** Heap cap of a sandbox process (--max-old-space-size). */
  heapMb: positiveInt().min(32).default(256),
  /** Resident memory at which the watchdog kills a sandbox process. */
  maxRssMb: positiveInt().min(64).default(512),
  /** How long a message may wait for a free sandbox before it is tempfailed (backpressure). */
  queueTimeoutMs: positiveInt().default(30000),
  /** Analyzers to switch off by name. */
  disabledAnalyzers: z.array(z.string().min(1)).default([]),
  /** ClamAV through clamd's INSTREAM command; absent: no antivirus scan. */
  clamav: clamavSchema.optional(),
  /** A file of sha256 hex values of known-bad files, one a line (`#` starts a comment). */
  hashBlocklist: z.string().min(1).optional(),
});

/**
 * An address or domain glob of a policy rule (policy/glob-match.ts: `*` and `?` only, never a
 * regular expression): `ceo@example.org`, `*@example.org`, `example.org`, `*.example.org`, or
 * `<>` for the null sender. Compared in lower case.
 */
const addressGlob = z
  .string()
  .regex(/^(<>|[^\s<>"\\,;]{1,320})$/, 'expected an address or domain glob such as *@example.org, *.example.org or <>')
  .transform((s) => s.toLowerCase());
/** One glob or a list of them. */
const addressGlobs = z.union([addressGlob, z.array(addressGlob).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v));
/** A finding id or a glob over ids (`OFFICE_*`). */
const findingGlob = z.string().regex(/^[A-Z0-9_*?]{1,128}$/, 'a finding id or a glob over ids such as OFFICE_*');

/** One rule of `policy.rules` (policy/rules.ts): every condition given must hold; none given matches every message. */
const policyRule = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a rule name: letters, digits, . _ - (up to 64)'),
  direction: z.enum(['inbound', 'outbound']).optional(),
  sender: addressGlobs.optional(),
  recipient: addressGlobs.optional(),
  clientNetwork: z.union([cidr, z.array(cidr).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v)).optional(),
  findings: z.union([findingGlob, z.array(findingGlob).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v)).optional(),
  /** The message has none of these ids (the built-in DMARC rules use it for trusted ARC sealers). */
  unlessFindings: z.union([findingGlob, z.array(findingGlob).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v)).optional(),
  scoreAtLeast: z.number().optional(),
  scoreBelow: z.number().optional(),
  action: z.enum(ACTIONS),
});

const policySchema = z.strictObject({
  /** Score at or above which the message is tagged, quarantined or rejected. */
  thresholds: z
    .strictObject({
      tag: z.number().default(5),
      quarantine: z.number().default(10),
      reject: z.number().default(20),
    })
    .default({ tag: 5, quarantine: 10, reject: 20 }),
  /** Overrides of the default score of a finding id. */
  scores: z.record(z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'a finding id'), z.number()).default({}),
  /** DMARC enforcement: the built-in rules dmarc-reject and dmarc-quarantine (docs/detection.md). */
  dmarc: z.strictObject({ enforce: z.boolean().default(true) }).default({ enforce: true }),
  /**
   * Forwarders and mailing lists whose valid ARC seal suspends DMARC enforcement: they break
   * SPF and DKIM by design, and their seal vouches for the authentication they saw.
   */
  trustedArcSealers: z.array(domainName).default([]),
  /** Ordered rules, first match wins, before the built-in rules and the thresholds (docs/policy.md). */
  rules: z
    .array(policyRule)
    .default([])
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      for (const [i, rule] of rules.entries()) {
        if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `rule name ${JSON.stringify(rule.name)} is used twice` });
        seen.add(rule.name);
      }
    }),
});

const deliverySchema = z.strictObject({
  /** Delivery of outbound mail: through a smarthost, else by MX lookup. */
  smarthost: nextHop.optional(),
  /** First retry delay; each later one doubles, up to maxRetryDelaySeconds. */
  retryDelaySeconds: positiveInt().default(60),
  maxRetryDelaySeconds: positiveInt().default(3600),
  /** After this long, a message still undelivered bounces (RFC 3464 DSN). */
  expireAfterSeconds: positiveInt().default(5 * 24 * 3600),
  concurrency: positiveInt().default(50),
  /**
   * Also the bound on duplicates after a crash: a delivery the next hop accepted but the gateway
   * had not yet recorded is sent again (at-least-once), so at most this many per next hop.
   */
  concurrencyPerDestination: positiveInt().default(5),
  connectTimeoutSeconds: positiveInt().default(30),
  /** TLS for MX delivery. */
  mxTls: tlsMode.default('opportunistic'),
  /** Port for MX delivery (25; tests point it elsewhere). */
  mxPort: z.number().int().min(1).max(65535).default(25),
});

/** Phishing checks (scan/analyzers/phishing-links.ts, impersonation.ts); docs/detection.md. */
const phishingSchema = z.strictObject({
  /** Brand domains protected from look-alikes and display-name impersonation, added to the built-in list. */
  protectedDomains: z.array(domainName).default([]),
  /** Include the built-in list of commonly phished brands (scan/url/known-domains.ts). */
  builtinProtectedDomains: z.boolean().default(true),
  /** People whose name in a From display name is checked against their own addresses. */
  executives: z
    .array(
      z.strictObject({
        name: z.string().trim().min(3).max(128),
        addresses: z.array(z.string().regex(/^[^\s@<>"]+@[^\s@<>"]+$/, 'expected an address such as jane@example.org').transform((s) => s.toLowerCase())).min(1),
      }),
    )
    .default([]),
  /**
   * The seen-senders store (store/seen-senders.ts): sender domains of accepted inbound mail. A
   * domain becomes a known correspondent, whose look-alikes writing for the first time get
   * FIRST_CONTACT_LOOKALIKE, once it has sent accepted mail on knownAfterDays different days and
   * at least knownAfterMessages messages.
   */
  seenSenders: z
    .strictObject({
      knownAfterDays: positiveInt().max(365).default(3),
      knownAfterMessages: positiveInt().default(3),
      /** A domain without accepted mail for this long is forgotten. */
      retentionDays: positiveInt().max(3650).default(400),
      /** Rows kept at most; the least recently seen go first. */
      maxDomains: positiveInt().max(10_000_000).default(50_000),
    })
    .default({ knownAfterDays: 3, knownAfterMessages: 3, retentionDays: 400, maxDomains: 50_000 }),
});

/** Session reputation checks (smtp/reputation/): blocklists at connect, greylisting, rate limits. */
const reputationSchema = z.strictObject({
  /** DNS blocklists asked at connect (reversed-address.zone A; a 127.0.0.x answer is a listing). */
  dnsbl: z
    .array(
      z.strictObject({
        zone: domainName,
        /** Weight of DNSBL_LISTED for a listing in this zone. */
        score: z.number().default(5),
        /** Refuse the connection (554) instead of scoring. */
        reject: z.boolean().default(false),
      }),
    )
    .default([]),
  /** URL-domain blocklists asked from the sandbox (registrable-domain.zone A; a 127.0.0.x answer is a listing). */
  uribl: z
    .array(
      z.strictObject({
        zone: domainName,
        /** Weight of URIBL_LISTED for a listing in this zone. */
        score: z.number().default(5),
      }),
    )
    .default([]),
  greylisting: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** A retry is accepted this long after the first attempt. */
      delaySeconds: positiveInt().max(86400).default(300),
      /** A triplet that passed is forgotten after this many days without mail. */
      retentionDays: positiveInt().max(365).default(36),
    })
    .default({ enabled: false, delaySeconds: 300, retentionDays: 36 }),
  /** Messages per minute (MAIL FROM); absent: no limit. In memory, per gateway node. */
  rateLimits: z
    .strictObject({
      perIpPerMinute: positiveInt().optional(),
      perSenderPerMinute: positiveInt().optional(),
    })
    .default({}),
});

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default('./data'),
  /** This node's name in tracking records and the Received header (defaults to the hostname). */
  nodeName: z.string().min(1).optional(),
  smtp: smtpSchema.default(smtpSchema.parse({})),
  http: z.strictObject({ listen: listenAddress.default({ host: '127.0.0.1', port: 8025 }) }).default({
    listen: { host: '127.0.0.1', port: 8025 },
  }),
  domains: z.array(acceptedDomain).default([]),
  trustedNetworks: z.array(cidr).default(['127.0.0.0/8', '::1/128']),
  dns: z
    .strictObject({
      servers: z.array(z.string().min(1)).default([]),
      timeoutMs: positiveInt().default(2000),
    })
    .default({ servers: [], timeoutMs: 2000 }),
  spool: z.strictObject({ fsync: z.boolean().default(true) }).default({ fsync: true }),
  scan: scanSchema.default(scanSchema.parse({})),
  policy: policySchema.default(policySchema.parse({})),
  reputation: reputationSchema.default(reputationSchema.parse({})),
  phishing: phishingSchema.default(phishingSchema.parse({})),
  delivery: deliverySchema.default(deliverySchema.parse({})),
  quarantine: z
    .strictObject({
      /** Days a quarantined recipient is kept before the retention sweep deletes it. */
      retentionDays: positiveInt().max(3650).default(30),
    })
    .default({ retentionDays: 30 }),
  log: z
    .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
    .default({ level: 'info' }),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
