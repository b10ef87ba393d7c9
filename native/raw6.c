/* Raw IPv6 sockets (raw(7), ipv6(7), RFC 3542) for any next-header value: 58 ICMPv6, 135 Mobility
 * Header, 41 IPv6-in-IPv6, 17 ... Receive carries the RFC 3542 ancillary data (IPV6_PKTINFO: arrival
 * interface and destination; IPV6_HOPLIMIT) and the kernel timestamp. Sends set the source and
 * interface per packet with IPV6_PKTINFO (RFC 3542 §6.1) and the hop limit with IPV6_HOPLIMIT. */

#include "check.h"

#include <errno.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36 /* Linux 4.5 */
#endif

#define RAW6_CTRL 192
#define RAW6_DEFAULT_SLOT 65575 /* largest non-jumbo IPv6 payload (RFC 8200 §3) + slack */

/* Parses "addr" or "addr%zone" (zone numeric, or an interface name when resolve_names: only valid
 * while inside the socket's namespace). */
static int parse_in6(const char *s, struct sockaddr_in6 *sa, int resolve_names) {
  memset(sa, 0, sizeof *sa);
  sa->sin6_family = AF_INET6;
  char tmp[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (strlen(s) >= sizeof tmp) return -1;
  strcpy(tmp, s);
  char *pct = strchr(tmp, '%');
  if (pct) {
    *pct++ = 0;
    char *end;
    unsigned long z = strtoul(pct, &end, 10);
    if (*pct && *end == 0) sa->sin6_scope_id = (uint32_t)z;
    else if (resolve_names && (z = if_nametoindex(pct)) != 0) sa->sin6_scope_id = (uint32_t)z;
    else return -1;
  }
  return inet_pton(AF_INET6, tmp, &sa->sin6_addr) == 1 ? 0 : -1;
}

static napi_value addr_string(napi_env env, const struct in6_addr *a) {
  char s[INET6_ADDRSTRLEN];
  napi_value v = NULL;
  inet_ntop(AF_INET6, a, s, sizeof s);
  napi_create_string_latin1(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

/* meta per packet: [offset, length, sec, nsec, ifindex, hopLimit, 0, 0]; addrs: [src0, dst0, ...] */
static int raw6_read_batch(mh_handle *h, napi_value *args, size_t *argc, int *err) {
  napi_env env = h->env;
  int n = mh_recvmmsg(h, sizeof(struct sockaddr_in6), err);
  if (n < 0) return n;
  napi_value buf, meta, count, addrs;
  unsigned kept;
  if (mh_pack(h, (unsigned)n, &buf, &kept) != napi_ok) return 0;
  if (kept == 0) return n;
  if (napi_create_array_with_length(env, kept * 2, &addrs) != napi_ok) return n;
  /* Consecutive packets mostly share addresses: reuse the previous JS string. */
  struct in6_addr last_src, last_dst;
  napi_value last_src_v = NULL, last_dst_v = NULL;
  for (mh_kept it = {.h = h, .n = n}; mh_kept_next(&it);) {
    struct msghdr *m = &it.msg->msg_hdr;
    const struct sockaddr_in6 *from = m->msg_name;
    double *row = it.row;
    struct in6_addr dst = IN6ADDR_ANY_INIT;
    row[4] = 0;
    row[5] = -1;
    row[6] = row[7] = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
      if (c->cmsg_level != IPPROTO_IPV6) continue;
      if (c->cmsg_type == IPV6_PKTINFO) {
        struct in6_pktinfo pi;
        memcpy(&pi, CMSG_DATA(c), sizeof pi);
        dst = pi.ipi6_addr;
        row[4] = pi.ipi6_ifindex;
      } else if (c->cmsg_type == IPV6_HOPLIMIT) {
        int hl;
        memcpy(&hl, CMSG_DATA(c), sizeof hl);
        row[5] = hl;
      }
    }
    if (!last_src_v || memcmp(&last_src, &from->sin6_addr, 16) != 0) {
      last_src = from->sin6_addr;
      last_src_v = addr_string(env, &last_src);
    }
    if (!last_dst_v || memcmp(&last_dst, &dst, 16) != 0) {
      last_dst = dst;
      last_dst_v = addr_string(env, &last_dst);
    }
    napi_set_element(env, addrs, 2 * it.k, last_src_v);
    napi_set_element(env, addrs, 2 * it.k + 1, last_dst_v);
  }
  if (napi_create_uint32(env, kept, &count) != napi_ok) return n;
  if (napi_get_reference_value(env, h->meta_ref, &meta) != napi_ok) return n;
  args[0] = count;
  args[1] = buf;
  args[2] = meta;
  args[3] = addrs;
  *argc = 4;
  return n;
}

static int set_int(int fd, int level, int opt, int v) { return setsockopt(fd, level, opt, &v, sizeof v); }

#define TRY(expr, name)                                                                           \
  do {                                                                                            \
    if ((expr) < 0) {                                                                             \
      f.err = errno;                                                                              \
      f.syscall = name;                                                                           \
      goto leave;                                                                                 \
    }                                                                                             \
  } while (0)

/* Reads a number array option (icmp6Types) into out[0..*n). */
static int opt_int_array(napi_env env, napi_value opts, const char *key, int *out, uint32_t max, uint32_t *n) {
  napi_value v;
  napi_valuetype t;
  bool is_arr = false;
  *n = 0;
  if (napi_get_named_property(env, opts, key, &v) != napi_ok) return -1;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) return 0;
  napi_is_array(env, v, &is_arr);
  if (!is_arr) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "option icmp6Types must be an array of numbers");
    return -1;
  }
  uint32_t len;
  napi_get_array_length(env, v, &len);
  if (len > max) len = max;
  for (uint32_t i = 0; i < len; i++) {
    napi_value e;
    int32_t x;
    if (napi_get_element(env, v, i, &e) != napi_ok || napi_get_value_int32(env, e, &x) != napi_ok) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "option icmp6Types must be an array of numbers");
      return -1;
    }
    out[(*n)++] = x;
  }
  return 1;
}

#define MAX_GROUPS 32

/* raw6Open({ protocol, netns?, bindDevice?, bindAddress?, checksumOffset?, icmp6Types?,
 *            headerIncluded?, unicastHops?, multicastHops?, joinGroups?, batch?, maxPacketSize?,
 *            receiveBuffer? }) -> handle */
static napi_value Raw6Open(napi_env env, napi_callback_info info) {
  napi_value opts;
  if (!mh_args_options(env, info, &opts)) return NULL;
  char *netns = NULL, *dev = NULL, *bind_addr = NULL;
  char *group_str[MAX_GROUPS] = {0};
  int64_t proto = -1, csum = -1, uhops = -1, mhops = -1, rcvbuf = 0;
  int hdrincl = 0, types[256];
  uint32_t ntypes = 0, ngroups = 0;
  int has_types = 0;
  int64_t group_if[MAX_GROUPS];
  unsigned batch;
  size_t slot;
  napi_value result = NULL;
  if (mh_opt_int(env, opts, "protocol", &proto) <= 0 || proto < 0 || proto > 255) {
    mh_throw_unless_pending(env, napi_throw_range_error, "ERR_OUT_OF_RANGE", "option protocol must be 0..255");
    goto out;
  }
  if (mh_opt_string(env, opts, "netns", &netns) < 0 || mh_opt_string(env, opts, "bindDevice", &dev) < 0 ||
      mh_opt_string(env, opts, "bindAddress", &bind_addr) < 0 ||
      mh_opt_int(env, opts, "checksumOffset", &csum) < 0 ||
      mh_opt_bool(env, opts, "headerIncluded", &hdrincl) < 0 ||
      mh_opt_int(env, opts, "unicastHops", &uhops) < 0 || mh_opt_int(env, opts, "multicastHops", &mhops) < 0 ||
      mh_opt_int(env, opts, "receiveBuffer", &rcvbuf) < 0 ||
      mh_opt_batch(env, opts, &batch, &slot, RAW6_DEFAULT_SLOT) < 0)
    goto out;
  if ((has_types = opt_int_array(env, opts, "icmp6Types", types, 256, &ntypes)) < 0) goto out;
  {
    napi_value groups;
    napi_valuetype t;
    if (napi_get_named_property(env, opts, "joinGroups", &groups) != napi_ok) goto out;
    napi_typeof(env, groups, &t);
    if (t == napi_object) {
      if (napi_get_array_length(env, groups, &ngroups) != napi_ok) goto out;
      if (ngroups > MAX_GROUPS) ngroups = MAX_GROUPS;
      for (uint32_t i = 0; i < ngroups; i++) {
        napi_value g;
        group_if[i] = 0;
        if (napi_get_element(env, groups, i, &g) != napi_ok || mh_opt_string(env, g, "group", &group_str[i]) <= 0 ||
            mh_opt_int(env, g, "ifindex", &group_if[i]) < 0) {
          mh_throw_unless_pending(env, napi_throw_type_error, "ERR_INVALID_ARG_TYPE",
                                  "joinGroups[i].group must be a string");
          goto out;
        }
      }
    }
  }

  mh_fail f = {0};
  int fd = -1;
  int saved = mh_netns_enter(netns, &f);
  if (saved == -1) goto leave;
  fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, (int)proto);
  TRY(fd, "socket AF_INET6 SOCK_RAW");
  /* IPPROTO_RAW (255) implies a header-included, send-only socket (raw(7)). */
  if (hdrincl && proto != IPPROTO_RAW) TRY(set_int(fd, IPPROTO_IPV6, IPV6_HDRINCL, 1), "setsockopt IPV6_HDRINCL");
  if (dev) TRY(setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1), "setsockopt SO_BINDTODEVICE");
  if (has_types > 0) {
    /* RFC 3542 §3.2: block all, pass the listed types. */
    struct icmp6_filter filt;
    ICMP6_FILTER_SETBLOCKALL(&filt);
    for (uint32_t i = 0; i < ntypes; i++)
      if (types[i] >= 0 && types[i] <= 255) ICMP6_FILTER_SETPASS(types[i], &filt);
    TRY(setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof filt), "setsockopt ICMP6_FILTER");
  }
  /* The kernel computes the checksum at this offset on send and verifies it on receive (RFC 3542
   * §3.1); for ICMPv6 it always does, and the option is refused. */
  if (csum >= 0) TRY(set_int(fd, IPPROTO_IPV6, IPV6_CHECKSUM, (int)csum), "setsockopt IPV6_CHECKSUM");
  if (uhops >= 0) TRY(set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, (int)uhops), "setsockopt IPV6_UNICAST_HOPS");
  if (mhops >= 0) TRY(set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, (int)mhops), "setsockopt IPV6_MULTICAST_HOPS");
  TRY(set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1), "setsockopt IPV6_RECVPKTINFO");
  TRY(set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1), "setsockopt IPV6_RECVHOPLIMIT");
  TRY(set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1), "setsockopt SO_TIMESTAMPNS");
  mh_set_rcvbuf(fd, (int)rcvbuf);
  if (bind_addr) {
    struct sockaddr_in6 sa;
    if (parse_in6(bind_addr, &sa, 1) < 0) {
      f.err = EINVAL;
      f.syscall = "bind (bad address)";
      f.path = bind_addr;
      goto leave;
    }
    TRY(bind(fd, (struct sockaddr *)&sa, sizeof sa), "bind");
  }
  for (uint32_t i = 0; i < ngroups; i++) {
    struct sockaddr_in6 sa;
    struct ipv6_mreq mr;
    if (parse_in6(group_str[i], &sa, 1) < 0) {
      f.err = EINVAL;
      f.syscall = "setsockopt IPV6_JOIN_GROUP (bad address)";
      f.path = group_str[i];
      goto leave;
    }
    mr.ipv6mr_multiaddr = sa.sin6_addr;
    mr.ipv6mr_interface = (unsigned)group_if[i];
    TRY(setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr), "setsockopt IPV6_JOIN_GROUP");
  }
  /* Packets queued before the filter and device binding took effect were never promised. */
  if (has_types > 0 || dev) {
    char drain[64];
    while (recv(fd, drain, sizeof drain, MSG_DONTWAIT) >= 0) {
    }
  }
leave:
  if (!mh_open_finish(env, saved, fd, &f)) goto out;
  if (!mh_handle_new(env, fd, MH_RAW6, batch, slot, sizeof(struct sockaddr_in6), RAW6_CTRL, raw6_read_batch,
                     &result))
    result = NULL;
out:
  free(netns);
  free(dev);
  free(bind_addr);
  for (uint32_t i = 0; i < MAX_GROUPS; i++) free(group_str[i]);
  return result;
}

/* raw6Send(handle, data, dst, ifindex?, src?, hopLimit?) -> false on EAGAIN/ENOBUFS. */
static napi_value Raw6Send(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[6];
  mh_handle *h = mh_args_open(env, info, 6, argv, &argc, "sendmsg (socket is closed)");
  if (!h) return NULL;
  void *data;
  size_t len;
  if (!mh_arg_buffer(env, argv[1], &data, &len, "data must be a Buffer")) return NULL;
  char dst_s[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], src_s[INET6_ADDRSTRLEN + 1];
  size_t sl;
  if (napi_get_value_string_utf8(env, argv[2], dst_s, sizeof dst_s, &sl) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "dst must be an IPv6 address string");
    return NULL;
  }
  struct sockaddr_in6 dst;
  if (parse_in6(dst_s, &dst, 0) < 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "not an IPv6 address (zone must be numeric): %s", dst_s);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
    return NULL;
  }
  int32_t ifindex = 0, hops = -1;
  if (mh_arg_type(env, argc, argv, 3) == napi_number) napi_get_value_int32(env, argv[3], &ifindex);
  struct in6_pktinfo pi;
  memset(&pi, 0, sizeof pi);
  int have_pi = ifindex > 0;
  if (mh_arg_type(env, argc, argv, 4) == napi_string) {
    if (napi_get_value_string_utf8(env, argv[4], src_s, sizeof src_s, &sl) != napi_ok ||
        inet_pton(AF_INET6, src_s, &pi.ipi6_addr) != 1) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "src must be an IPv6 address");
      return NULL;
    }
    have_pi = 1;
  }
  if (mh_arg_type(env, argc, argv, 5) == napi_number) napi_get_value_int32(env, argv[5], &hops);
  pi.ipi6_ifindex = (unsigned)ifindex;
  /* A link-local or multicast destination without a zone goes out of the given interface. */
  if (dst.sin6_scope_id == 0 && ifindex > 0 &&
      (IN6_IS_ADDR_LINKLOCAL(&dst.sin6_addr) || IN6_IS_ADDR_MC_LINKLOCAL(&dst.sin6_addr)))
    dst.sin6_scope_id = (uint32_t)ifindex;

  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctrl;
  memset(&ctrl, 0, sizeof ctrl);
  struct iovec iov = {data, len};
  struct msghdr msg = {0};
  msg.msg_name = &dst;
  msg.msg_namelen = sizeof dst;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  size_t clen = 0;
  if (have_pi || hops >= 0) {
    msg.msg_control = ctrl.buf;
    msg.msg_controllen = sizeof ctrl.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (have_pi) {
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
      clen += CMSG_SPACE(sizeof pi);
      c = (struct cmsghdr *)(ctrl.buf + clen);
    }
    if (hops >= 0) {
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_HOPLIMIT;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &hops, sizeof(int));
      clen += CMSG_SPACE(sizeof(int));
    }
    msg.msg_controllen = clen;
  }
  ssize_t r;
  MH_RETRY_EINTR(r, sendmsg(h->fd, &msg, MSG_DONTWAIT));
  return mh_send_result(env, h, r, "sendmsg");
}

/* ---- raw6SendTunnelled: RFC 2473 encapsulation with software GSO, one sendmmsg per batch ----
 *
 * A raw socket cannot segment, and the kernel cannot segment an IPv6-in-IPv6 packet described by a
 * virtio_net_hdr either (that needs SKB_GSO_IPXIP6, which the header cannot express). So offload.c
 * cuts the segments, and each gets the outer header with its Payload Length. Payloads are not
 * copied: each message is [outer + inner headers (copied, fixed)] [payload slice of the caller's Buffer]. */

#define TN_CHUNK 64

typedef struct {
  mh_handle *h;
  struct mmsghdr msgs[TN_CHUNK];
  struct iovec iov[TN_CHUNK][2];
  struct sockaddr_in6 dst[TN_CHUNK];
  uint8_t hdr[TN_CHUNK][40 + MH_GSO_HDR_MAX];
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    struct cmsghdr align;
  } ctrl[TN_CHUNK];
  unsigned n;
  double sent, dropped;
  int last_err;
} tn_batch;

static void tn_flush(tn_batch *b) {
  unsigned done = 0;
  while (done < b->n) {
    int r;
    MH_RETRY_EINTR(r, sendmmsg(b->h->fd, b->msgs + done, b->n - done, MSG_DONTWAIT));
    if (r < 0) {
      int e = errno;
      b->last_err = e;
      if (mh_send_queue_full(e)) {
        b->dropped += b->n - done; /* queue full: the rest is lost, as on a congested link */
        break;
      }
      b->dropped++; /* EMSGSIZE, ENETUNREACH ...: this message fails, try the next */
      done++;
      continue;
    }
    b->sent += r;
    done += (unsigned)r;
  }
  b->n = 0;
}

/* Queues segment k of g: outer header, then the segment's headers (copied) and payload (referenced). */
static void tn_push(tn_batch *b, const uint8_t *outer, const mh_gso *g, const uint8_t *p, size_t k) {
  if (b->n == TN_CHUNK) tn_flush(b);
  unsigned i = b->n++;
  uint8_t *m = b->hdr[i];
  size_t off, len, hlen = g->hdr_len;
  memcpy(m, outer, 40);
  mh_gso_segment(g, p, k, m + 40, &off, &len);
  size_t inner = hlen + len;
  m[4] = (uint8_t)(inner >> 8); /* outer Payload Length (RFC 8200 §3) */
  m[5] = (uint8_t)inner;
  memset(&b->dst[i], 0, sizeof b->dst[i]);
  b->dst[i].sin6_family = AF_INET6;
  memcpy(&b->dst[i].sin6_addr, outer + 24, 16);
  b->iov[i][0].iov_base = m;
  b->iov[i][0].iov_len = 40 + hlen;
  b->iov[i][1].iov_base = (void *)(p + off);
  b->iov[i][1].iov_len = len;
  memset(&b->msgs[i], 0, sizeof b->msgs[i]);
  b->msgs[i].msg_hdr.msg_name = &b->dst[i];
  b->msgs[i].msg_hdr.msg_namelen = sizeof b->dst[i];
  b->msgs[i].msg_hdr.msg_iov = b->iov[i];
  b->msgs[i].msg_hdr.msg_iovlen = len ? 2 : 1;
  /* IPV6_PKTINFO with the outer source: without it the kernel runs source address selection for
   * every packet (ip6_dst_lookup_tail), ~4 % of the send path (measured with perf). */
  struct in6_pktinfo pi;
  memset(&pi, 0, sizeof pi);
  memcpy(&pi.ipi6_addr, outer + 8, 16);
  struct cmsghdr *c = &b->ctrl[i].align;
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof pi);
  memcpy(CMSG_DATA(c), &pi, sizeof pi);
  b->msgs[i].msg_hdr.msg_control = b->ctrl[i].buf;
  b->msgs[i].msg_hdr.msg_controllen = sizeof b->ctrl[i].buf;
}

/* One inner packet with its virtio_net_hdr (or none): 0 queued, -1 refused (counted by the caller). */
static int tn_packet(tn_batch *b, const uint8_t *outer, uint8_t *p, size_t len, const mh_vnet_hdr *v) {
  mh_gso g;
  if (mh_gso_prepare(p, len, v, &g) < 0) return -1;
  for (size_t k = 0; k < g.count; k++) tn_push(b, outer, &g, p, k);
  return 0;
}

/* raw6SendTunnelled(handle, outers: Buffer | Buffer[], packets: Buffer[], vnetHeaders?: (Buffer|undefined)[])
 *   -> [sent, dropped, lastErrno]: header-included sockets only. outers are 40-byte IPv6 headers
 *   (Payload Length filled in here; the destination is the outer one). Counts wire packets. */
static napi_value Raw6SendTunnelled(napi_env env, napi_callback_info info) {
  size_t argc;
  napi_value argv[4], result, v;
  mh_handle *h = mh_args_open(env, info, 4, argv, &argc, "sendmmsg (socket is closed)");
  if (!h) return NULL;
  bool outers_arr = false, pk_arr = false, hdr_arr = false, is_buf;
  NAPI_CALL(env, napi_is_array(env, argv[1], &outers_arr));
  NAPI_CALL(env, napi_is_array(env, argv[2], &pk_arr));
  if (argc > 3) NAPI_CALL(env, napi_is_array(env, argv[3], &hdr_arr));
  if (!pk_arr) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "packets must be an array of Buffers");
    return NULL;
  }
  uint8_t *outer = NULL;
  size_t olen = 0;
  if (!outers_arr) {
    NAPI_CALL(env, napi_is_buffer(env, argv[1], &is_buf));
    if (!is_buf || napi_get_buffer_info(env, argv[1], (void **)&outer, &olen) != napi_ok || olen != 40) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "outer header must be a 40-byte Buffer");
      return NULL;
    }
  }
  uint32_t n;
  NAPI_CALL(env, napi_get_array_length(env, argv[2], &n));
  tn_batch *b = malloc(sizeof *b);
  if (!b) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  b->h = h;
  b->n = 0;
  b->sent = b->dropped = 0;
  b->last_err = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t *p, *o = outer;
    size_t len;
    mh_vnet_hdr vh, *vp = NULL;
    if (napi_get_element(env, argv[2], i, &v) != napi_ok || napi_is_buffer(env, v, &is_buf) != napi_ok || !is_buf ||
        napi_get_buffer_info(env, v, (void **)&p, &len) != napi_ok)
      goto bad;
    if (outers_arr) {
      if (napi_get_element(env, argv[1], i, &v) != napi_ok || napi_is_buffer(env, v, &is_buf) != napi_ok || !is_buf ||
          napi_get_buffer_info(env, v, (void **)&o, &olen) != napi_ok || olen != 40)
        goto bad;
    }
    if (hdr_arr && napi_get_element(env, argv[3], i, &v) == napi_ok && napi_is_buffer(env, v, &is_buf) == napi_ok &&
        is_buf) {
      uint8_t *hb;
      size_t hbl;
      if (napi_get_buffer_info(env, v, (void **)&hb, &hbl) != napi_ok || hbl != MH_VNET_HDR_LEN) goto bad;
      memcpy(&vh, hb, sizeof vh);
      vp = &vh;
    }
    if (tn_packet(b, o, p, len, vp) < 0) {
      b->dropped++;
      b->last_err = EINVAL;
    }
  }
  tn_flush(b);
  h->tx_items += b->sent;
  h->tx_dropped += b->dropped;
  double r[3] = {b->sent, b->dropped, b->last_err ? -b->last_err : 0};
  free(b);
  NAPI_CALL(env, napi_create_array_with_length(env, 3, &result));
  for (int k = 0; k < 3; k++) {
    NAPI_CALL(env, napi_create_double(env, r[k], &v));
    NAPI_CALL(env, napi_set_element(env, result, (uint32_t)k, v));
  }
  return result;
bad:
  free(b);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                        "packets must be Buffers, outers 40-byte Buffers, vnetHeaders 10-byte Buffers");
  return NULL;
}

napi_value mh_raw6_init(napi_env env, napi_value exports) {
  NAPI_CALL(env, mh_export(env, exports, "raw6Open", Raw6Open));
  NAPI_CALL(env, mh_export(env, exports, "raw6Send", Raw6Send));
  NAPI_CALL(env, mh_export(env, exports, "raw6SendTunnelled", Raw6SendTunnelled));
  return exports;
}
