/* Fuzzes offload.c (software GSO and GRO) under AddressSanitizer and UBSan: random bytes, valid
 * TCP/UDP IPv6 super-packets truncated at every length, and virtio_net_hdr fields that lie. Every
 * packet sits in a malloc'ed block of exactly its length, so a read or write past it is reported.
 * On valid inputs it checks the properties of the result against an independent, byte-wise
 * checksum (RFC 1071) and a reference segmentation (native/README.md, "Fuzzing").
 *
 *   offload-fuzz RUNS [SEED]   exit 0: all held; 1: a property failed (printed with the seed)
 *   offload-fuzz canary        reads one byte past a block: shows the sanitizer is live (it must fail) */
#include "../offload.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng_state;
static uint64_t rnd(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1DULL;
}
static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }
static int chance(unsigned pct) { return below(100) < pct; }

static uint64_t inputs, seed0, iter, segments, merged_tcp, merged_udp;
#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "offload-fuzz: seed %" PRIu64 " iteration %" PRIu64 ": %s: ", seed0, iter, #cond); \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
      exit(1);                                                                                     \
    }                                                                                              \
  } while (0)

static uint8_t *dup_exact(const uint8_t *p, size_t len) {
  uint8_t *q = malloc(len ? len : 1);
  if (len) memcpy(q, p, len);
  return q;
}

/* ---- the oracle: RFC 1071 byte by byte, big-endian words (RFC 8200 §8.1 pseudo-header) ---- */
static uint32_t sum_be(uint32_t acc, const uint8_t *p, size_t len) {
  for (size_t i = 0; i + 1 < len; i += 2) acc += (uint32_t)p[i] << 8 | p[i + 1];
  if (len & 1) acc += (uint32_t)p[len - 1] << 8;
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return acc;
}
/* Sum of the pseudo-header and l4 (split in two pieces: headers and payload, the payload at an even
 * offset of the L4 data). 0xffff when the stored checksum is right. */
static uint16_t l4_sum(const uint8_t *ip6, uint8_t nh, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  uint8_t tail[8] = {0, 0, 0, 0, 0, 0, 0, nh};
  size_t l4 = alen + blen;
  tail[0] = (uint8_t)(l4 >> 24), tail[1] = (uint8_t)(l4 >> 16), tail[2] = (uint8_t)(l4 >> 8), tail[3] = (uint8_t)l4;
  uint32_t s = sum_be(0, ip6 + 8, 32);
  s = sum_be(s, tail, 8);
  s = sum_be(s, a, alen);
  return (uint16_t)sum_be(s, b, blen);
}
static void put16(uint8_t *p, size_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v; }
/* Stores the correct checksum at l4 + off. */
static void fill_csum(uint8_t *p, size_t len, size_t l4, size_t off, uint8_t nh) {
  p[l4 + off] = p[l4 + off + 1] = 0;
  uint16_t c = (uint16_t)~l4_sum(p, nh, p + l4, len - l4, NULL, 0);
  if (nh == 17 && c == 0) c = 0xffff;
  put16(p + l4 + off, c);
}

/* ---- packet builders ---- */
typedef struct {
  size_t ext;  /* bytes of extension headers before TCP (GSO only) */
  size_t thl;  /* TCP header length */
  size_t payload;
  int udp;
} shape;

/* IPv6 (+ ext) + TCP/UDP header + payload, correct lengths and checksum. buf holds it (len returned). */
static size_t build(uint8_t *buf, const shape *s, uint32_t seq, uint8_t flags) {
  size_t l4 = 40 + s->ext, hl = l4 + (s->udp ? 8 : s->thl), len = hl + s->payload;
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)rnd();
  buf[0] = 0x60 | (buf[0] & 0x0f);
  put16(buf + 4, len - 40);
  buf[6] = s->ext ? 0 /* Hop-by-Hop */ : (s->udp ? 17 : 6);
  if (s->ext) {
    buf[40] = s->udp ? 17 : 6;
    buf[41] = (uint8_t)(s->ext / 8 - 1);
  }
  uint8_t *th = buf + l4;
  if (s->udp) {
    put16(th + 4, len - l4);
  } else {
    put32(th + 4, seq);
    th[12] = (uint8_t)(s->thl / 4 << 4);
    th[13] = flags;
  }
  fill_csum(buf, len, l4, s->udp ? 6 : 16, s->udp ? 17 : 6);
  return len;
}

static mh_vnet_hdr random_vnet(size_t len) {
  static const uint8_t types[] = {0, 1, 3, 4, 5, 6, 0x80, 0x84, 0x85, 0xff};
  static const uint16_t sizes[] = {0, 1, 2, 7, 536, 1220, 1440, 9000, 32768, 65535};
  mh_vnet_hdr v;
  v.flags = chance(70) ? MH_VNET_F_NEEDS_CSUM : (uint8_t)rnd();
  v.gso_type = chance(80) ? types[below(sizeof types)] : (uint8_t)rnd();
  v.gso_size = chance(70) ? sizes[below(sizeof sizes / 2)] : (uint16_t)rnd();
  v.hdr_len = (uint16_t)(chance(50) ? below(len + 2) : rnd());
  size_t cs = chance(40) ? 40 + 8 * below(4) : chance(50) ? below(len + 4) : (uint16_t)rnd();
  v.csum_start = (uint16_t)(chance(10) ? 65535 : cs);
  v.csum_offset = (uint16_t)(chance(40) ? 16 : chance(40) ? 6 : chance(50) ? below(len + 4) : (uint16_t)rnd());
  return v;
}

/* ---- GSO ---- */

/* Runs GSO on len bytes of src (copied into an exact block); checks bounds always, and, when
 * valid (an untruncated super-packet and its true header), the properties of the segments. */
static void gso_one(const uint8_t *src, size_t len, const mh_vnet_hdr *v, int valid) {
  inputs++;
  uint8_t *p = dup_exact(src, len);
  mh_gso g;
  int r = mh_gso_prepare(p, len, v, &g);
  CHECK(!valid || r == 0, "a valid super-packet of %zu bytes was refused", len);
  if (r < 0) {
    free(p);
    return;
  }
  CHECK(g.hdr_len <= MH_GSO_HDR_MAX && g.count >= 1, "hdr_len %zu count %zu", g.hdr_len, g.count);
  CHECK(g.kind == MH_GSO_AS_IS || g.count <= 65535, "count %zu", g.count);
  size_t hl = g.hdr_len, mss = v ? v->gso_size : 0, covered = 0;
  uint32_t seq0 = g.kind == MH_GSO_TCP ? get32(p + g.csum_start + 4) : 0;
  for (size_t k = 0; k < g.count; k++) {
    uint8_t *head = malloc(hl ? hl : 1);
    size_t off, plen;
    mh_gso_segment(&g, p, k, head, &off, &plen);
    CHECK(off <= len && plen <= len - off, "segment %zu: payload %zu+%zu outside %zu bytes", k, off, plen, len);
    volatile uint32_t touch = sum_be(0, p + off, plen); /* reads what sendmmsg would read */
    (void)touch;
    if (g.kind == MH_GSO_TCP) {
      uint8_t *th = head + g.csum_start;
      CHECK(off == hl + covered, "segment %zu: payload at %zu, expected %zu", k, off, hl + covered);
      CHECK(plen <= mss && (plen == mss || k == g.count - 1), "segment %zu: %zu bytes, gso_size %zu", k, plen, mss);
      size_t ip_len = 40 + (size_t)(head[4] << 8 | head[5]);
      CHECK(ip_len == hl + plen, "segment %zu: Payload Length", k);
      CHECK(ip_len <= hl + mss, "segment %zu: %zu bytes, longer than the MTU (%zu)", k, ip_len, hl + mss);
      CHECK(get32(th + 4) == seq0 + (uint32_t)covered, "segment %zu: sequence number", k);
      CHECK(l4_sum(head, 6, th, g.tcp_hdr_len, p + off, plen) == 0xffff, "segment %zu: TCP checksum", k);
      uint8_t f = p[g.csum_start + 13];
      if (k + 1 < g.count) CHECK((th[13] & 0x09) == 0, "FIN/PSH before the last segment");
      if (k > 0) CHECK((th[13] & 0x80) == 0, "CWR after the first segment");
      CHECK((th[13] & ~0x89) == (f & ~0x89), "other flags changed");
    } else {
      CHECK(off == 0 && plen == len, "as-is packet sliced");
    }
    covered += plen;
    segments += g.kind == MH_GSO_TCP;
    free(head);
  }
  if (g.kind == MH_GSO_TCP) CHECK(covered == len - hl, "payloads cover %zu of %zu bytes", covered, len - hl);
  if (valid && g.kind == MH_GSO_AS_IS && v && (size_t)v->csum_start + v->csum_offset + 2 <= len) {
    /* a completed partial checksum verifies */
    uint8_t nh = v->csum_offset == 6 ? 17 : 6;
    CHECK(l4_sum(p, nh, p + v->csum_start, len - v->csum_start, NULL, 0) == 0xffff, "completed checksum");
  }
  free(p);
}

/* A valid super-packet as a TUN hands it over; then every truncation (all of them for short
 * packets, the headers and a sample of the rest for long ones), then lying header fields. */
static void gso_round(uint8_t *buf) {
  shape s = {8 * below(3), 20 + 4 * below(11), 0, chance(20)};
  size_t hdr = 40 + s.ext + (s.udp ? 8 : s.thl);
  s.payload = chance(60) ? below(500) : below(65535 + 40 - hdr + 1);
  uint8_t flags = chance(50) ? 0x10 : (uint8_t)rnd();
  size_t len = build(buf, &s, (uint32_t)rnd(), flags);
  size_t l4 = 40 + s.ext;
  mh_vnet_hdr v = {MH_VNET_F_NEEDS_CSUM, s.udp ? MH_VNET_GSO_UDP_L4 : MH_VNET_GSO_TCPV6, (uint16_t)(l4 + s.thl),
                   (uint16_t)(1 + below(chance(50) ? 1500 : 65535)), (uint16_t)l4, (uint16_t)(s.udp ? 6 : 16)};
  if (chance(20)) v.gso_type |= MH_VNET_GSO_ECN;
  if (s.udp || chance(15)) {
    /* No GSO: a partial checksum to complete (the field holds the pseudo-header sum). */
    v.gso_type = MH_VNET_GSO_NONE;
    v.gso_size = 0;
    uint8_t nh = s.udp ? 17 : 6;
    size_t co = s.udp ? 6 : 16;
    buf[l4 + co] = buf[l4 + co + 1] = 0;
    uint8_t tail[8] = {0, 0, (uint8_t)((len - l4) >> 8), (uint8_t)(len - l4), 0, 0, 0, nh};
    uint16_t ph = (uint16_t)sum_be(sum_be(0, buf + 8, 32), tail, 8);
    put16(buf + l4 + co, ph);
  }
  gso_one(buf, len, &v, 1);
  if (s.udp && chance(50)) { /* UDP GSO: not done here (refused, counted as dropped) */
    mh_vnet_hdr u = {MH_VNET_F_NEEDS_CSUM, MH_VNET_GSO_UDP_L4, (uint16_t)(l4 + 8), 1200, (uint16_t)l4, 6};
    mh_gso g;
    inputs++;
    CHECK(mh_gso_prepare(buf, len, &u, &g) < 0, "UDP GSO accepted");
  }
  /* every truncation of a short packet; of a long one, every one inside the headers and a sample */
  size_t cuts = len <= 600 ? len : 192;
  for (size_t i = 0; i < cuts; i++) gso_one(buf, len <= 600 || i < 128 ? i : below(len), &v, 0);
  for (int i = 0; i < 16; i++) {
    mh_vnet_hdr lie = random_vnet(len);
    size_t cut = chance(50) ? len : below(len + 1);
    gso_one(buf, cut, chance(5) ? NULL : &lie, 0);
  }
}

/* ---- GRO ---- */

typedef struct {
  const uint8_t *const *pkts;
  const size_t *lens;
  size_t next; /* index of the next packet expected in a run */
} gro_check;

/* Each packet comes out exactly once, in order; a merged run is a valid super-packet whose
 * segmentation gives back its packets (TCP) or datagrams (UDP). */
static void gro_emit(void *ctx, const mh_gro_run *run) {
  gro_check *c = ctx;
  CHECK(run->n >= 1 && run->n <= MH_GRO_MAX_SEGS, "run of %u", run->n);
  for (unsigned i = 0; i < run->n; i++)
    CHECK(run->seg[i].p == c->pkts[c->next + i] && run->seg[i].len == c->lens[c->next + i], "packet %zu out of order",
          c->next + i);
  c->next += run->n;
  uint8_t *head = malloc(MH_GRO_HDR_MAX);
  mh_vnet_hdr vh;
  size_t hl = mh_gro_merge(run, head, &vh);
  if (run->n == 1) {
    CHECK(hl == 0, "a single packet got merged headers");
    free(head);
    return;
  }
  CHECK(hl == run->hdr_len && hl >= 48 && hl <= MH_GRO_HDR_MAX, "merged header length %zu", hl);
  size_t total = hl;
  for (unsigned i = 0; i < run->n; i++) {
    CHECK(run->seg[i].len > hl, "segment without payload");
    size_t pay = run->seg[i].len - hl;
    CHECK(pay <= vh.gso_size && (pay == vh.gso_size || i == run->n - 1), "segment %u: %zu bytes, gso_size %u", i, pay,
          vh.gso_size);
    total += pay;
  }
  CHECK(total - 40 <= MH_GRO_MAX_LEN && (size_t)(head[4] << 8 | head[5]) == total - 40, "merged Payload Length");
  /* The whole super-packet, its partial checksum completed as the kernel would. */
  uint8_t *sp = malloc(total);
  memcpy(sp, head, hl);
  size_t at = hl;
  for (unsigned i = 0; i < run->n; i++) {
    memcpy(sp + at, run->seg[i].p + hl, run->seg[i].len - hl);
    at += run->seg[i].len - hl;
  }
  CHECK(vh.flags == MH_VNET_F_NEEDS_CSUM && vh.csum_start == 40, "vnet flags %u csum_start %u", vh.flags, vh.csum_start);
  int udp = vh.gso_type == MH_VNET_GSO_UDP_L4;
  if (udp) merged_udp++;
  else merged_tcp++;
  if (udp) CHECK((size_t)(sp[44] << 8 | sp[45]) == total - 40, "UDP Length of the super-packet");
  uint8_t *csum = sp + 40 + vh.csum_offset;
  uint16_t ph = (uint16_t)(csum[0] << 8 | csum[1]);
  uint8_t tail[8] = {0, 0, (uint8_t)((total - 40) >> 8), (uint8_t)(total - 40), 0, 0, 0, sp[6]};
  CHECK(ph == (uint16_t)sum_be(sum_be(0, sp + 8, 32), tail, 8), "partial checksum is the pseudo-header sum");
  if (!udp) {
    /* Segmenting it again yields the original packets, byte for byte (the urgent pointer aside:
     * without URG it means nothing, and tcp_gro_receive does not compare it either). */
    mh_gso g;
    CHECK(mh_gso_prepare(sp, total, &vh, &g) == 0 && g.count == run->n, "re-segmentation: %zu segments of %u",
          g.count, run->n);
    for (size_t k = 0; k < g.count; k++) {
      uint8_t h2[MH_GSO_HDR_MAX];
      size_t off, plen;
      mh_gso_segment(&g, sp, k, h2, &off, &plen);
      const uint8_t *o = run->seg[k].p;
      CHECK(hl + plen == run->seg[k].len, "segment %zu length", k);
      if (h2[58] != o[58] || h2[59] != o[59]) { /* another urgent pointer: another checksum too */
        CHECK(l4_sum(h2, 6, h2 + 40, hl - 40, sp + off, plen) == 0xffff, "segment %zu: TCP checksum", k);
        memcpy(h2 + 56, o + 56, 4);
      }
      size_t d = 0;
      while (d < hl && h2[d] == o[d]) d++;
      CHECK(d == hl && memcmp(sp + off, o + hl, plen) == 0, "segment %zu of %zu differs from its packet at byte %zu (%02x, was %02x)", k,
            g.count, d, d < hl ? h2[d] : 0, d < hl ? o[d] : 0);
    }
  }
  free(sp);
  free(head);
}

/* A flow of segments as they leave a tunnel: consecutive, one MSS each, with mutations (a byte
 * changed, checksum fixed or not; a truncation; a shorter one; PSH; a sequence gap) and random
 * packets in between. */
static void gro_round(uint8_t *buf) {
  enum { MAX = 160 };
  static uint8_t *pkts[MAX];
  static size_t lens[MAX];
  shape s = {0, 20 + 4 * below(11), 1 + below(chance(70) ? 1500 : 9000), chance(30)};
  unsigned n = 1 + (unsigned)below(MAX);
  uint32_t seq = (uint32_t)rnd();
  uint8_t tmpl[40 + 60];
  build(tmpl, &(shape){0, s.thl, 0, s.udp}, seq, 0x10);
  for (unsigned i = 0; i < n; i++) {
    shape si = s;
    if (chance(5)) si.payload = below(s.payload + 1);
    size_t len = build(buf, &si, seq, chance(5) ? 0x18 : chance(3) ? (uint8_t)rnd() : 0x10);
    /* same flow: copy the template's addresses, ports, ack, window and options */
    size_t h = 40 + (si.udp ? 8 : si.thl);
    memcpy(buf, tmpl, 4);
    memcpy(buf + 7, tmpl + 7, 33);
    memcpy(buf + 40, tmpl + 40, 4);
    if (!si.udp) {
      memcpy(buf + 48, tmpl + 48, 5);
      memcpy(buf + 54, tmpl + 54, 2);
      memcpy(buf + 58, tmpl + 58, h - 58);
    }
    if (chance(3)) buf[40 + below(h - 40)] ^= (uint8_t)(1 + below(255));
    if (chance(3)) buf[below(len)] ^= (uint8_t)(1 + below(255));
    fill_csum(buf, len, 40, si.udp ? 6 : 16, si.udp ? 17 : 6);
    if (chance(2)) buf[below(len)] ^= 0x40; /* a bad checksum */
    if (chance(2)) len = below(len + 1);    /* truncated */
    seq += (uint32_t)si.payload;
    if (chance(2)) seq += (uint32_t)rnd(); /* a gap */
    pkts[i] = dup_exact(buf, len);
    lens[i] = len;
    if (chance(2) && i + 1 < n) { /* random bytes in between */
      size_t rl = below(200);
      for (size_t j = 0; j < rl; j++) buf[j] = (uint8_t)rnd();
      pkts[++i] = dup_exact(buf, rl);
      lens[i] = rl;
    }
  }
  gro_check c = {(const uint8_t *const *)pkts, lens, 0};
  mh_gro_run run = {.n = 0};
  for (unsigned i = 0; i < n; i++) {
    inputs++;
    mh_gro_push(&run, pkts[i], lens[i], gro_emit, &c);
  }
  mh_gro_flush(&run, gro_emit, &c);
  CHECK(c.next == n, "%zu of %u packets came out", c.next, n);
  for (unsigned i = 0; i < n; i++) free(pkts[i]);
}

/* Random bytes through both paths. */
static void random_round(uint8_t *buf) {
  static const uint8_t nhs[] = {6, 17, 0, 58};
  size_t len = chance(40) ? 36 + below(40) /* around the header lengths */
               : chance(50) ? below(200) : chance(80) ? below(2000) : below(65535 + 80);
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)rnd();
  if (len && chance(50)) buf[0] = 0x60;
  if (len >= 6 && chance(70)) put16(buf + 4, len - 40);
  if (len >= 7 && chance(70)) buf[6] = nhs[below(4)];
  if (len >= 60 && chance(50)) fill_csum(buf, len, 40, buf[6] == 17 ? 6 : 16, buf[6]);
  mh_vnet_hdr v = random_vnet(len);
  gso_one(buf, len, chance(10) ? NULL : &v, 0);
  inputs++;
  uint8_t *p = dup_exact(buf, len);
  const uint8_t *pk[1] = {p};
  size_t ln[1] = {len};
  gro_check c = {pk, ln, 0};
  mh_gro_run run = {.n = 0};
  mh_gro_push(&run, p, len, gro_emit, &c);
  mh_gro_flush(&run, gro_emit, &c);
  free(p);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "canary") == 0) {
    uint8_t *p = calloc(1, 16), past[2];
    volatile size_t n = 2; /* a real memcpy call, which ASan checks (UBSan would see a load) */
    memcpy(past, p + 15, n);
    free(p);
    return past[1] | 1; /* not reached under ASan */
  }
  uint64_t runs = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
  seed0 = argc > 2 ? strtoull(argv[2], NULL, 10) : 0x6d697073686f70ULL;
  rng_state = seed0 ? seed0 : 1;
  uint8_t *buf = malloc(65535 + 200);
  for (iter = 0; inputs < runs; iter++) {
    unsigned m = (unsigned)below(10);
    if (m < 4) gso_round(buf);
    else if (m < 6) gro_round(buf);
    else random_round(buf);
  }
  free(buf);
  printf("offload-fuzz: %" PRIu64 " inputs, %" PRIu64 " rounds, %" PRIu64 " TCP segments cut, %" PRIu64 " TCP and %" PRIu64
         " UDP runs merged, seed %" PRIu64 ": ok\n", inputs, iter, segments, merged_tcp, merged_udp, seed0);
  return 0;
}
