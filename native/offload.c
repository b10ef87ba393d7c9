/* Software GSO and GRO for TCP/UDP over IPv6 (offload.h). Every length comes from the network or
 * from a virtio_net_hdr the kernel (or a peer) wrote: each is checked before it is used as an offset.
 * native/fuzz/offload-fuzz.c drives this file under AddressSanitizer and UBSan. */
#include "offload.h"

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* ---- GSO ----
 * A TUN with IFF_VNET_HDR and TSO6 hands over TCP super-packets of up to 64 KiB. The segments are
 * cut the way tcp_gso_segment does: each gets the headers with its own Payload Length, sequence
 * number and checksum; FIN and PSH only on the last, CWR only on the first (RFC 3168 §6.1.2). */

int mh_gso_prepare(uint8_t *p, size_t len, const mh_vnet_hdr *v, mh_gso *g) {
  memset(g, 0, sizeof *g);
  g->kind = MH_GSO_AS_IS;
  g->count = 1;
  g->payload_len = len;
  if (len < 40 || len > 65535 + 40) return -1;
  if (!v || (v->gso_type == MH_VNET_GSO_NONE && !(v->flags & MH_VNET_F_NEEDS_CSUM))) return 0;
  size_t cs = v->csum_start, co = v->csum_offset;
  if (cs < 40 || cs + co + 2 > len) return -1;
  if ((v->gso_type & ~MH_VNET_GSO_ECN) == MH_VNET_GSO_NONE) {
    /* Checksum left to offload (CHECKSUM_PARTIAL): the field holds the pseudo-header sum; sum from
     * csum_start to the end and store the complement (virtio spec §5.1.6.2). */
    uint16_t c = (uint16_t)~mh_csum_fold(mh_csum_add(0, p + cs, len - cs));
    if (c == 0) c = 0xffff; /* UDP: 0 means "no checksum" (RFC 768); same value for TCP */
    memcpy(p + cs + co, &c, 2);
    return 0;
  }
  if ((v->gso_type & ~MH_VNET_GSO_ECN) != MH_VNET_GSO_TCPV6 || v->gso_size == 0 || cs + 20 > len) return -1;
  size_t thl = (size_t)(p[cs + 12] >> 4) * 4, hl = cs + thl;
  if (thl < 20 || hl > len || hl > MH_GSO_HDR_MAX) return -1;
  g->kind = MH_GSO_TCP;
  g->hdr_len = hl;
  g->csum_start = cs;
  g->tcp_hdr_len = thl;
  g->mss = v->gso_size;
  g->payload_len = len - hl;
  g->count = g->payload_len ? (g->payload_len + g->mss - 1) / g->mss : 1; /* a bare ACK: one segment */
  g->seq = be32(p + cs + 4);
  g->flags = p[cs + 13];
  return 0;
}

void mh_gso_segment(const mh_gso *g, const uint8_t *p, size_t k, uint8_t *head, size_t *payload_off,
                    size_t *payload_len) {
  if (g->kind == MH_GSO_AS_IS) {
    *payload_off = 0;
    *payload_len = g->payload_len;
    return;
  }
  size_t hl = g->hdr_len, off = k * g->mss, total = g->payload_len;
  size_t seg = total - off < g->mss ? total - off : g->mss;
  int first = k == 0, last = off + seg >= total;
  memcpy(head, p, hl);
  size_t plen = hl - 40 + seg; /* Payload Length (RFC 8200 §3): extension headers, TCP, data */
  head[4] = (uint8_t)(plen >> 8);
  head[5] = (uint8_t)plen;
  uint32_t s = g->seq + (uint32_t)off;
  uint8_t *th = head + g->csum_start;
  th[4] = (uint8_t)(s >> 24), th[5] = (uint8_t)(s >> 16), th[6] = (uint8_t)(s >> 8), th[7] = (uint8_t)s;
  th[13] = g->flags & (uint8_t)~((last ? 0 : 0x09 /* FIN, PSH */) | (first ? 0 : 0x80 /* CWR */));
  th[16] = th[17] = 0;
  uint64_t acc = mh_csum_pseudo6(head, (uint32_t)(g->tcp_hdr_len + seg), 6);
  acc = mh_csum_add(acc, th, g->tcp_hdr_len);
  acc = mh_csum_add(acc, p + hl + off, seg);
  uint16_t c = (uint16_t)~mh_csum_fold(acc);
  memcpy(th + 16, &c, 2);
  *payload_off = hl + off;
  *payload_len = seg;
}

/* ---- GRO ----
 * Packets decapsulated from a tunnel arrive one MSS at a time; runs of consecutive segments of one
 * flow become one super-packet (what GRO does on a NIC). TCP follows tcp_gro_receive: same IPv6
 * header but Payload Length, no extension headers, same ports, ACK number, window and options; seq
 * continues the run; only ACK (and PSH on the last) set. UDP follows udp_gro_receive_segment: same
 * addresses and ports, every datagram the first's size but the last, which may be shorter. */

size_t mh_gro_headers(const uint8_t *p, size_t len) {
  if (len < 48 || p[0] >> 4 != 6 || 40 + (size_t)(p[4] << 8 | p[5]) != len) return 0;
  size_t hl;
  if (p[6] == 6) {
    if (len < 60) return 0;
    hl = 40 + (size_t)(p[52] >> 4) * 4;
    if (hl < 60 || hl >= len) return 0;
  } else if (p[6] == 17) {
    hl = 48;
    if ((size_t)(p[44] << 8 | p[45]) != len - 40 || hl >= len || (p[46] == 0 && p[47] == 0)) return 0;
  } else {
    return 0;
  }
  uint64_t sum = mh_csum_add(mh_csum_pseudo6(p, (uint32_t)(len - 40), p[6]), p + 40, len - 40);
  return mh_csum_fold(sum) == 0xffff ? hl : 0;
}

/* May a run start with p? TCP: a plain ACK segment only (SYN, FIN, RST, URG, PSH, CWR end it). */
static int gro_starts(const uint8_t *p, size_t hl) { return hl && (p[6] == 17 || p[53] == 0x10); }

/* Can q (header length hl) extend the run? */
static int gro_fits(const mh_gro_run *r, const uint8_t *q, size_t qlen, size_t hl) {
  const mh_pkt *f = &r->seg[0], *l = &r->seg[r->n - 1];
  size_t mss = f->len - hl, lpay = l->len - hl, qpay = qlen - hl;
  if (r->n >= MH_GRO_MAX_SEGS || q[6] != f->p[6] || hl != r->hdr_len || qpay > mss || lpay != mss) return 0;
  if (r->len + qpay - 40 > MH_GRO_MAX_LEN) return 0;
  if (memcmp(q, f->p, 4) != 0 || memcmp(q + 6, f->p + 6, 34) != 0) return 0; /* TC, flow, NH, HL, addresses */
  if (memcmp(q + 40, f->p + 40, 4) != 0) return 0;                            /* ports */
  if (q[6] == 17) return 1;
  if (memcmp(q + 48, f->p + 48, 5) != 0) return 0;       /* ack, doff */
  if (q[53] != 0x10 && q[53] != 0x18) return 0;          /* ACK, or ACK|PSH (ends the run) */
  if (memcmp(q + 54, f->p + 54, 2) != 0) return 0;       /* window */
  if (memcmp(q + 60, f->p + 60, hl - 60) != 0) return 0; /* options (timestamps) */
  return be32(q + 44) == be32(l->p + 44) + (uint32_t)lpay; /* seq continues the run */
}

void mh_gro_flush(mh_gro_run *run, mh_gro_emit emit, void *ctx) {
  if (run->n == 0) return;
  emit(ctx, run);
  run->n = 0;
}

void mh_gro_push(mh_gro_run *run, const uint8_t *p, size_t len, mh_gro_emit emit, void *ctx) {
  size_t hl = mh_gro_headers(p, len);
  if (run->n > 0 && hl && gro_fits(run, p, len, hl)) {
    run->seg[run->n].p = p;
    run->seg[run->n++].len = len;
    run->len += len - hl;
    /* TCP PSH, or a short segment: the run ends here. */
    if ((p[6] == 6 && (p[53] & 0x08)) || len < run->seg[0].len) mh_gro_flush(run, emit, ctx);
    return;
  }
  mh_gro_flush(run, emit, ctx);
  run->seg[0].p = p;
  run->seg[0].len = len;
  run->n = 1;
  run->len = len;
  run->hdr_len = hl;
  if (!gro_starts(p, hl)) mh_gro_flush(run, emit, ctx); /* alone: not mergeable, a bad checksum, or special flags */
}

size_t mh_gro_merge(const mh_gro_run *run, uint8_t head[MH_GRO_HDR_MAX], mh_vnet_hdr *vh) {
  memset(vh, 0, sizeof *vh);
  size_t hl = run->hdr_len;
  if (run->n == 1) {
    /* A packet verified here needs no second check in the kernel (ignored where unsupported). */
    if (hl) vh->flags = MH_VNET_F_DATA_VALID;
    return 0;
  }
  const uint8_t *f = run->seg[0].p;
  size_t plen = run->len - 40;
  int udp = f[6] == 17;
  memcpy(head, f, hl);
  head[4] = (uint8_t)(plen >> 8);
  head[5] = (uint8_t)plen;
  if (udp) {
    head[44] = head[4]; /* UDP Length of the super-packet; the kernel sets each segment's */
    head[45] = head[5];
  } else {
    head[53] |= run->seg[run->n - 1].p[53] & 0x08; /* PSH from the last segment */
  }
  /* CHECKSUM_PARTIAL: the field holds the pseudo-header sum; the kernel (or the egress device)
   * completes it, per segment when it segments (tcp_gso_segment, __udp_gso_segment). */
  uint16_t c = mh_csum_fold(mh_csum_pseudo6(head, (uint32_t)plen, head[6]));
  size_t co = udp ? 6 : 16;
  memcpy(head + 40 + co, &c, 2);
  vh->flags = MH_VNET_F_NEEDS_CSUM;
  vh->gso_type = udp ? MH_VNET_GSO_UDP_L4 : MH_VNET_GSO_TCPV6;
  vh->hdr_len = (uint16_t)hl;
  vh->gso_size = (uint16_t)(run->seg[0].len - hl);
  vh->csum_start = 40;
  vh->csum_offset = (uint16_t)co;
  return hl;
}
