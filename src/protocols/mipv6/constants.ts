// Mobile IPv6 numbers the machines use. RFC 6275 §12 (protocol constants), §13 (configuration
// variables), the Binding Acknowledgement status registry (RFC 6275 §6.1.8 and the IANA "Mobility
// Header status codes" registry, spec/mobility-protocols.md §1.7) and RFC 4285's additions.

/** RFC 6275 §12: first BA wait for a BU that is not the first home registration. */
export const INITIAL_BINDACK_TIMEOUT_MS = 1_000;
/** RFC 6275 §12: the back-off stops doubling here; retransmissions may continue at this rate (§11.8). */
export const MAX_BINDACK_TIMEOUT_MS = 32_000;
/** RFC 6275 §12: at most this many BUs per second to one destination (§11.8). */
export const MAX_UPDATE_RATE = 3;
/** Our share of MAX_UPDATE_RATE for BUs a Binding Refresh Request or Binding Error asks for (neither
 * is authenticated); the other 2/s stay free for the BU after a move and its one immediate resend. */
export const TRIGGERED_UPDATE_RATE = 1;
/** RFC 6275 §12. */
export const MAX_DELETE_BCE_TIMEOUT_MS = 10_000;
/** RFC 6275 §13: InitialBindackTimeoutFirstReg, the first wait when the HA has no binding yet (it
 * may have to run DAD for the home address first, §10.3.1). Default 1.5 s. */
export const INITIAL_BINDACK_TIMEOUT_FIRST_REG_MS = 1_500;

/** RFC 6275 §6.1.7: Lifetime fields count units of 4 seconds. */
export const LIFETIME_UNIT_S = 4;
/** Largest lifetime the 16-bit field can carry. */
export const MAX_LIFETIME_UNITS = 0xffff;

/** RFC 4285 §6: default "close enough" window for the replay-protection timestamp; it SHOULD be
 * greater than 3 s (the 7 s default is ours). */
export const DEFAULT_REPLAY_WINDOW_MS = 7_000;
/** RFC 4285 §5: First(96, HMAC_SHA1(...)). */
export const MN_HA_AUTHENTICATOR_LENGTH = 12;
/** RFC 4285 §5: subtypes of the Mobility Message Authentication option. */
export const AuthenticationSubtype = { MnHa: 1, MnAaa: 2 } as const;
/** RFC 4283 §3: Mobile Node Identifier subtype 1 is a NAI (RFC 4282). */
export const MN_ID_SUBTYPE_NAI = 1;
/** RFC 4285 §5: SPI values 0–255 are reserved. */
export const MIN_MOBILITY_SPI = 256;

/** Binding Acknowledgement status (< 128 accepted). RFC 6275 §6.1.8; 144–146 from RFC 4285 §8
 * (IANA Mobility IPv6 registry; Wireshark 4.0 labels 143–148 with names from old PMIPv6 drafts). */
export const BaStatus = {
  Accepted: 0,
  AcceptedPrefixDiscoveryNecessary: 1,
  ReasonUnspecified: 128,
  AdministrativelyProhibited: 129,
  InsufficientResources: 130,
  HomeRegistrationNotSupported: 131,
  NotHomeSubnet: 132,
  NotHomeAgentForThisMobileNode: 133,
  DuplicateAddressDetectionFailed: 134,
  SequenceNumberOutOfWindow: 135,
  /** RFC 4285: the replay-protection timestamp is out of the window or not newer (Identification mismatch). */
  MipV6IdMismatch: 144,
  /** RFC 4285: the replay-protection option is required and was missing. */
  MipV6MesgIdReqd: 145,
  /** RFC 4285: the MN-HA authenticator did not verify. */
  MipV6AuthFail: 146,
} as const;

/** RFC 6275 §6.1.9 Binding Error status. */
export const BeStatus = { UnknownBindingForHomeAddressOption: 1, UnrecognizedMhType: 2 } as const;
