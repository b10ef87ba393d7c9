/* Software segmentation (GSO) and coalescing (GRO) of TCP/UDP over IPv6, and the Internet checksum.
 * Pure C over byte buffers: no N-API, no file descriptors, so native/fuzz/ can drive it alone.
 * raw6.c (sendTunnelled) segments with it, tun.c (writeMany) coalesces with it. */
#ifndef MIPSHOP_OFFLOAD_H
#define MIPSHOP_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* RFC 1071 ones' complement sum of len bytes in native byte order (§2 B: the sum is byte-order
 * independent), added to acc, unfolded. p starts at an even offset of the summed data. */
static inline uint64_t mh_csum_add(uint64_t acc, const uint8_t *p, size_t len) {
  for (; len >= 8; p += 8, len -= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    acc += (w & 0xffffffffu) + (w >> 32);
  }
  for (; len >= 2; p += 2, len -= 2) {
    uint16_t w;
    memcpy(&w, p, 2);
    acc += w;
  }
  if (len) {
    uint16_t w = 0;
    memcpy(&w, p, 1); /* the odd last byte, padded with a zero (RFC 1071 §1) */
    acc += w;
  }
  return acc;
}
static inline uint16_t mh_csum_fold(uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t)acc;
}
/* The IPv6 upper-layer pseudo-header (RFC 8200 §8.1) of a packet whose IPv6 header is at ip6. */
static inline uint64_t mh_csum_pseudo6(const uint8_t *ip6, uint32_t l4_len, uint8_t next_header) {
  uint8_t tail[8] = {(uint8_t)(l4_len >> 24), (uint8_t)(l4_len >> 16), (uint8_t)(l4_len >> 8), (uint8_t)l4_len,
                     0, 0, 0, next_header};
  return mh_csum_add(mh_csum_add(0, ip6 + 8, 32), tail, 8);
}

/* struct virtio_net_hdr (linux/virtio_net.h), host byte order on this little-endian host. */
#define MH_VNET_HDR_LEN 10
#define MH_VNET_F_NEEDS_CSUM 1
#define MH_VNET_F_DATA_VALID 2
#define MH_VNET_GSO_NONE 0
#define MH_VNET_GSO_TCPV6 4
#define MH_VNET_GSO_UDP_L4 5
#define MH_VNET_GSO_ECN 0x80
typedef struct {
  uint8_t flags, gso_type;
  uint16_t hdr_len, gso_size, csum_start, csum_offset;
} mh_vnet_hdr;

/* ---- GSO: one packet with its virtio_net_hdr -> the packets to put on the wire ----
 * Each segment k is [headers: hdr_len bytes written by mh_gso_segment] [payload: a slice of the
 * packet, never copied]. */
#define MH_GSO_HDR_MAX 216 /* inner IPv6 and extension headers + TCP header, per segment */

enum mh_gso_kind {
  MH_GSO_AS_IS = 0, /* the packet goes out unchanged (its checksum, if partial, completed in place) */
  MH_GSO_TCP = 1,   /* cut into gso_size segments */
};

typedef struct {
  enum mh_gso_kind kind;
  size_t count;     /* segments */
  size_t hdr_len;   /* headers copied per segment (0 for AS_IS) */
  size_t csum_start, tcp_hdr_len, mss, payload_len;
  uint32_t seq;
  uint8_t flags;
} mh_gso;

/* Checks p (len bytes) against v (NULL: no header) and fills *g. A partial checksum without GSO is
 * completed in p itself. Returns 0, or -1 when the packet must be refused. */
int mh_gso_prepare(uint8_t *p, size_t len, const mh_vnet_hdr *v, mh_gso *g);
/* Writes segment k's headers (g->hdr_len bytes) to head, and its payload slice to *payload_off,
 * *payload_len (for AS_IS: the whole packet, no headers). */
void mh_gso_segment(const mh_gso *g, const uint8_t *p, size_t k, uint8_t *head, size_t *payload_off,
                    size_t *payload_len);

/* ---- GRO: a sequence of packets -> runs written as one super-packet each ---- */
#define MH_GRO_MAX_SEGS 64
#define MH_GRO_MAX_LEN 65535 /* IPv6 Payload Length of the merged packet */
#define MH_GRO_HDR_MAX 100   /* IPv6 + TCP with options (60) */

typedef struct {
  const uint8_t *p;
  size_t len;
} mh_pkt;

typedef struct {
  mh_pkt seg[MH_GRO_MAX_SEGS];
  unsigned n;
  size_t len;    /* first packet's length + the other packets' payloads */
  size_t hdr_len; /* 0: not mergeable, written alone */
} mh_gro_run;

/* Called with each finished run, in order. */
typedef void (*mh_gro_emit)(void *ctx, const mh_gro_run *run);

/* Header length (IPv6 + TCP or UDP) of a packet GRO may merge, 0 when it may not. */
size_t mh_gro_headers(const uint8_t *p, size_t len);
/* Feeds the next packet; emits the runs it completes (zero, one or two). */
void mh_gro_push(mh_gro_run *run, const uint8_t *p, size_t len, mh_gro_emit emit, void *ctx);
/* Emits the run in progress, if any. */
void mh_gro_flush(mh_gro_run *run, mh_gro_emit emit, void *ctx);
/* The virtio_net_hdr of a run and, when it has several packets, the super-packet's headers in head
 * (returns their length; the payloads follow, uncopied). A single packet returns 0: write it as is. */
size_t mh_gro_merge(const mh_gro_run *run, uint8_t head[MH_GRO_HDR_MAX], mh_vnet_hdr *vh);

#endif
