/** MIH over IP uses UDP and TCP port 4551 (RFC 5677 §9, IANA "ieee-mih"). */
export const MIH_PORT = 4551;
