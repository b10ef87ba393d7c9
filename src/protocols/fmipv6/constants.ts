// FMIPv6 numbers the machines use (RFC 5568). Values this code assumes rather than takes from the
// RFC are called out; each is a config default, so a lab can override it.

/** PrRtAdv Code (RFC 5568 §6.1.2; names as in Wireshark 4.0's value table). */
export const PrRtAdvCode = {
  /** The options carry the [AP-ID, AR-Info] tuple the MN should use. */
  UseApIdArInfoTuple: 0,
  /** Unsolicited, network-initiated handover trigger. */
  NetworkInitiated: 1,
  /** No new router information present. */
  NoNewRouterInformation: 2,
  /** Limited new router information present. */
  LimitedNewRouterInformation: 3,
  /** Unsolicited, information on neighbouring APs. */
  Unsolicited: 4,
} as const;

/** Link-layer Address option (ND type 19) Option-Codes (RFC 5568 §6.4.3; as Wireshark 4.0 decodes them). */
export const LlaOptionCode = {
  Wildcard: 0,
  NewAccessPoint: 1,
  MobileNode: 2,
  NewAccessRouter: 3,
  Source: 4,
  ApOnThisRouter: 5,
  NoPrefixForAp: 6,
  NoFastHandoverForAp: 7,
} as const;

/** IP Address/Prefix option (ND 17 and MH 34) Option-Codes (RFC 5568 §6.4.1, §6.4.2). */
export const AddressOptionCode = {
  OldCareOfAddress: 1,
  NewCareOfAddress: 2,
  NewAccessRouterAddress: 3,
  NewAccessRouterPrefix: 4,
} as const;

/** HI Code (RFC 5568 §6.2.1): whether the FBU the PAR processed came from the PCoA. */
export const HandoverInitiateCode = {
  FbuFromPreviousCareOfAddress: 0,
  FbuNotFromPreviousCareOfAddress: 1,
} as const;

/** Retries: 3 each, assumed (a common choice, not a number from RFC 5568); the timeouts are ours too. */
export const RTSOLPR_RETRIES = 3;
export const FBU_RETRIES = 3;
export const HI_RETRIES = 3;
/** MAX_RTSOLPR_RATE taken as 3 RtSolPr a second (assumed), so retransmissions are >= 333 ms apart. */
export const MIN_RTSOLPR_INTERVAL_MS = 334;
export const DEFAULT_RTSOLPR_TIMEOUT_MS = 1000;
export const DEFAULT_FBU_TIMEOUT_MS = 500;
export const DEFAULT_HI_TIMEOUT_MS = 500;
/** FBU Lifetime the MN asks for, seconds (FBU/FBack Lifetime is in seconds, as Pcap.Net reads RFC 5568; Wireshark 4.0 shows it ×4). */
export const DEFAULT_FBU_LIFETIME_S = 10;

export const ALL_NODES = 'ff02::1';
/** RFC 4861 §7.1: ND messages (UNA, PrRtAdv) are sent with Hop Limit 255 and checked on receipt. */
export const ND_HOP_LIMIT = 255;
