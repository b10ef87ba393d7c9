/* mipshop-timeline: applies a lab's scheduled layer-2 actions at their deadlines, to the
 * millisecond on a loaded machine (docs/decisions.md, "The timeline is applied by a real-time
 * helper"). It runs at SCHED_FIFO (sched(7)), its memory locked (mlockall(2)), inside the lab's
 * air namespace (setns(2) on --netns), and gets the schedule on stdin in advance:
 *
 *   at ID DEADLINE_MONO_NS ACTION           DEADLINE is CLOCK_MONOTONIC ns (clock_gettime(2))
 *   after ID REF DELAY_NS ACTION            DELAY after action REF was applied (a derived action)
 *   follow ID REF DELAY_NS DEADLINE ACTION  likewise; at DEADLINE if REF failed (an attach after
 *                                           its detach: the gap is kept when the detach was late)
 *   ACTION = detach IFNAME [NEXT_BRIDGE [isolated]] | attach IFNAME BRIDGE [isolated]
 *          | send SOCKET_PATH JSON_LINE
 *
 * In a derived send's line, @REF_REAL_NS@ becomes the reference's applied CLOCK_REALTIME ns and, when
 * the reference is a detach, @LAST_FRAME@ the first bytes (hex, IPv6 header on, hop limit zeroed) of
 * the last unicast frame the port sent the station before it went down, or nothing when none is known. The
 * applier plays the AP here: the AP knows which frame was the station's last (RFC 4260 §4 reports,
 * docs/fmipv6.md), and a time alone cannot say whether a frame sent within the same millisecond as
 * the leave got there. Each detach's port is watched by a packet socket (packet(7), outgoing frames
 * only, kernel timestamps) from the moment its line is read.
 *
 * A detach with NEXT_BRIDGE leaves the port, down, on the bridge of the attach that follows it, so
 * that the attach is a single request at its deadline (each request waits for rtnl_lock). With
 * `isolated` the port is made an isolated bridge port (IFLA_BRPORT_ISOLATED) right after it joins the
 * bridge, while still down: a port's flags go when it leaves a bridge, so each join sets it again.
 *
 * One worker thread per CPU it may run on, each pinned to its CPU (sched_setaffinity(2)), sleeps
 * with clock_nanosleep(2) TIMER_ABSTIME until SPIN_NS before the next deadline (a FIFO task has no
 * timer slack), spins to it, and the first to get there claims the action. One CPU can stall for
 * tens to hundreds of ms while another is free: real-time throttling (sched_rt_runtime_us in
 * sched-rt-group docs) stops every real-time task of a CPU once lower-priority real-time tasks
 * have used its budget, and a virtual CPU can be descheduled by its host; a timer armed on that
 * CPU then fires late whatever our priority.
 *
 * detach/attach are rtnetlink RTM_NEWLINK requests (rtnetlink(7)): IFF_UP off then IFLA_MASTER 0;
 * IFLA_MASTER then IFF_UP on. send writes the line to the agent's control socket, connected when
 * the action was read. It prints, one line each:
 *
 *   ready MONO_NS REAL_NS
 *   applied ID START_MONO_NS APPLIED_MONO_NS APPLIED_REAL_NS
 *   failed ID APPLIED_MONO_NS APPLIED_REAL_NS REASON
 *   last-frame ID REAL_NS HEX|-             what a send's @LAST_FRAME@ became (the frame's kernel time)
 *   reply LINE                              an agent's answer, as read
 *   malformed REASON                        an input line counted and dropped
 *
 * It exits 0 once stdin is closed, every action is done and every send was answered (or 2 s
 * passed since the last one). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_ACTIONS 20000 /* the schedule is bounded: more is refused, counted as malformed */
#define MAX_LINE 70000     /* the agent's control line limit is 64 KiB */
#define MAX_SOCKETS 32
#define MAX_REPLY 4096 /* an answer to an l2 request is a few dozen bytes (docs/agent.md) */
#define MAX_WORKERS 16
#define SPIN_NS 300000LL     /* woken this long before a deadline, then spin */
#define RESCAN_NS 10000000LL /* a sleeping worker looks again for actions read meanwhile */
#define REPLY_WAIT_NS 2000000000LL
/* In a derived send's line, replaced by its reference's applied CLOCK_REALTIME ns (schedule.ts). */
#define REF_REAL_NS "@REF_REAL_NS@"
/* ... and by the last frame a detached port sent its station (hex), or by nothing. */
#define LAST_FRAME "@LAST_FRAME@"
#define MAX_CAPTURES 128 /* one per mobile node's radio port */
#define CAPTURE_RING 32  /* frames kept per port: the report comes a few ms after the port went down */
#define HEAD_BYTES 128   /* IPv6 header on: enough to tell a tunnelled flow packet from the next one */

enum kind { K_DETACH, K_ATTACH, K_SEND };
enum state { S_PENDING, S_CLAIMED, S_APPLIED, S_FAILED };

struct action {
  unsigned long id;
  int kind;
  _Atomic int state;
  _Atomic int64_t deadline; /* CLOCK_MONOTONIC ns; -1 while waiting for its reference */
  _Atomic int64_t applied_mono;
  _Atomic int64_t applied_real;
  unsigned long ref;
  int has_ref;
  int64_t fallback; /* a follow's deadline when its reference failed; -1 for after */
  int64_t delay;
  char ifname[IF_NAMESIZE];
  char bridge[IF_NAMESIZE];
  int sock; /* index into socks */
  long prev; /* the previous action on the same link or socket, which must be done first; -1 */
  int enslaved; /* a detach: the bridge index it left the port on, 0 for none */
  int isolated; /* the port is isolated on BRIDGE (the AP keeps its stations apart) */
  char *line;
  size_t len;
};

struct ctl {
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  _Atomic int fd;
  long outstanding;
  char buf[MAX_REPLY];
  size_t used;
};

/* The frames a radio port sent its station (outgoing on the port in the air namespace). */
struct seen {
  int64_t real; /* kernel timestamp, CLOCK_REALTIME ns */
  size_t len;
  unsigned char head[HEAD_BYTES];
};

struct capture {
  char ifname[IF_NAMESIZE];
  int fd;
  pthread_mutex_t lock; /* drained by the main loop and by a worker filling a line */
  struct seen ring[CAPTURE_RING];
  unsigned long count; /* frames kept so far; the newest is ring[(count - 1) % CAPTURE_RING] */
};

static struct action *actions;
static struct capture caps[MAX_CAPTURES];
static _Atomic size_t n_caps;
static _Atomic size_t n_actions;
static struct ctl socks[MAX_SOCKETS];
static _Atomic size_t n_socks;
static pthread_mutex_t socks_lock = PTHREAD_MUTEX_INITIALIZER; /* connect, send, close, outstanding */
static int64_t last_send = -1;
static __thread int nl_fd = -1;
static __thread uint32_t nl_seq;

static int64_t now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One write(2) per line: lines up to PIPE_BUF from several threads never interleave (pipe(7)). */
static void out(const char *fmt, ...) {
  char b[MAX_LINE + 64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof b - 2) n = (int)sizeof b - 2;
  b[n++] = '\n';
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(1, b + off, (size_t)(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(3); /* the orchestrator is gone */
    off += w;
  }
}

static int sock_for(const char *path) {
  size_t n = atomic_load(&n_socks);
  for (size_t i = 0; i < n; i++)
    if (strcmp(socks[i].path, path) == 0) return (int)i;
  if (n == MAX_SOCKETS || strlen(path) >= sizeof socks[0].path) return -1;
  strcpy(socks[n].path, path);
  atomic_store(&socks[n].fd, -1);
  atomic_store(&n_socks, n + 1);
  return (int)n;
}

/* Called with socks_lock held. */
static int ctl_connect(struct ctl *c) {
  if (atomic_load(&c->fd) >= 0) return 0;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strcpy(sa.sun_path, c->path);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  fcntl(fd, F_SETFL, O_NONBLOCK);
  c->used = 0;
  atomic_store(&c->fd, fd);
  return 0;
}

/* One RTM_NEWLINK request and its ack; *sent_* get the clocks right after the kernel took it
 * (rtnetlink requests are processed inside sendmsg(2)'s call to the kernel socket). */
static int nl_setlink(int ifindex, int up, int set_master, int master, int64_t *sent_mono, int64_t *sent_real) {
  struct {
    struct nlmsghdr h;
    struct ifinfomsg i;
    char attrs[32];
  } req;
  memset(&req, 0, sizeof req);
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
  req.h.nlmsg_type = RTM_NEWLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.h.nlmsg_seq = ++nl_seq;
  req.i.ifi_family = AF_UNSPEC;
  req.i.ifi_index = ifindex;
  if (up >= 0) {
    req.i.ifi_change = IFF_UP;
    req.i.ifi_flags = up ? IFF_UP : 0;
  }
  if (set_master) {
    struct rtattr *a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
    a->rta_type = IFLA_MASTER;
    a->rta_len = RTA_LENGTH(sizeof(int));
    memcpy(RTA_DATA(a), &master, sizeof(int));
    req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
  }
  struct sockaddr_nl k = {.nl_family = AF_NETLINK};
  if (sendto(nl_fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) < 0) return -errno;
  if (sent_mono) *sent_mono = now_ns(CLOCK_MONOTONIC);
  if (sent_real) *sent_real = now_ns(CLOCK_REALTIME);
  char buf[4096];
  for (;;) {
    ssize_t n = recv(nl_fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != nl_seq || h->nlmsg_type != NLMSG_ERROR) continue;
      return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    }
  }
}

/* Makes a bridge port isolated (RTM_SETLINK, AF_BRIDGE, IFLA_PROTINFO { IFLA_BRPORT_ISOLATED 1 }):
 * isolated ports forward only to ports that are not, here the AP's router port. */
static int nl_isolate(int ifindex) {
  struct {
    struct nlmsghdr h;
    struct ifinfomsg i;
    char attrs[32];
  } req;
  memset(&req, 0, sizeof req);
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
  req.h.nlmsg_type = RTM_SETLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.h.nlmsg_seq = ++nl_seq;
  req.i.ifi_family = AF_BRIDGE;
  req.i.ifi_index = ifindex;
  struct rtattr *nest = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
  nest->rta_type = IFLA_PROTINFO | NLA_F_NESTED;
  struct rtattr *a = (struct rtattr *)RTA_DATA(nest);
  a->rta_type = IFLA_BRPORT_ISOLATED;
  a->rta_len = RTA_LENGTH(1);
  *(unsigned char *)RTA_DATA(a) = 1;
  nest->rta_len = RTA_LENGTH(RTA_ALIGN(a->rta_len));
  req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(nest->rta_len);
  struct sockaddr_nl k = {.nl_family = AF_NETLINK};
  if (sendto(nl_fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) < 0) return -errno;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(nl_fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != nl_seq || h->nlmsg_type != NLMSG_ERROR) continue;
      return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    }
  }
}

/* Watches IFNAME's outgoing frames (created by the main thread as the schedule is read); -1 if not
 * possible (no such interface yet, too many): the station's reports then say no last frame. */
static int capture_for(const char *ifname) {
  size_t n = atomic_load(&n_caps);
  for (size_t i = 0; i < n; i++)
    if (strcmp(caps[i].ifname, ifname) == 0) return caps[i].fd >= 0 ? (int)i : -1;
  if (n == MAX_CAPTURES) return -1;
  struct capture *c = &caps[n];
  memset(c, 0, sizeof *c);
  strcpy(c->ifname, ifname);
  pthread_mutex_init(&c->lock, NULL);
  c->fd = -1;
  int idx = (int)if_nametoindex(ifname);
  int fd = idx ? socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)) : -1;
  if (fd >= 0) {
    /* Kernel side: outgoing frames only, cut after HEAD_BYTES of IPv6 (SKF_AD_PKTTYPE, filter.txt). */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (unsigned)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, ETH_HLEN + HEAD_BYTES),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
    int on = 1;
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = idx};
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
      close(fd);
      fd = -1;
    }
  }
  c->fd = fd;
  atomic_store(&n_caps, n + 1);
  return fd >= 0 ? (int)n : -1;
}

/* Reads what the port sent since the last call. The caller holds c->lock. */
static void capture_drain(struct capture *c) {
  for (;;) {
    unsigned char frame[ETH_HLEN + HEAD_BYTES];
    char control[CMSG_SPACE(sizeof(struct timespec))];
    struct sockaddr_ll from;
    struct iovec iov = {.iov_base = frame, .iov_len = sizeof frame};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    /* Unicast to the station only: the router's copies it may resend are unicast, and a multicast
     * frame (an RA) after the last of them says nothing about which of them got there. */
    if (from.sll_pkttype != PACKET_OUTGOING || n < ETH_HLEN + 40 || frame[12] != 0x86 || frame[13] != 0xdd ||
        (frame[0] & 1))
      continue;
    int64_t real = -1;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
      if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_TIMESTAMPNS) {
        struct timespec ts;
        memcpy(&ts, CMSG_DATA(h), sizeof ts);
        real = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
      }
    if (real < 0) real = now_ns(CLOCK_REALTIME);
    struct seen *s = &c->ring[c->count++ % CAPTURE_RING];
    s->real = real;
    s->len = (size_t)n - ETH_HLEN > HEAD_BYTES ? HEAD_BYTES : (size_t)n - ETH_HLEN;
    memcpy(s->head, frame + ETH_HLEN, s->len);
    s->head[7] = 0; /* the hop limit: each router on the way changes it */
  }
}

/* The last unicast frame the port of detach `d` sent before it went down, and after the detach before it on
 * the same port (the station's previous stay, perhaps on another AP). 0 if none is known. */
static int last_frame(const struct action *d, struct seen *out_frame) {
  int i = -1;
  size_t n = atomic_load(&n_caps);
  for (size_t k = 0; k < n && i < 0; k++)
    if (caps[k].fd >= 0 && strcmp(caps[k].ifname, d->ifname) == 0) i = (int)k;
  if (i < 0) return 0;
  int64_t hi = atomic_load(&d->applied_real), lo = -1;
  for (long p = d->prev; p >= 0; p = actions[p].prev)
    if (actions[p].kind == K_DETACH && atomic_load(&actions[p].state) == S_APPLIED) {
      lo = atomic_load(&actions[p].applied_real);
      break;
    }
  struct capture *c = &caps[i];
  int found = 0;
  pthread_mutex_lock(&c->lock);
  capture_drain(c);
  unsigned long kept = c->count < CAPTURE_RING ? c->count : CAPTURE_RING;
  for (unsigned long k = 1; k <= kept && !found; k++) {
    const struct seen *s = &c->ring[(c->count - k) % CAPTURE_RING];
    if (s->real <= hi && s->real > lo) {
      *out_frame = *s;
      found = 1;
    }
  }
  pthread_mutex_unlock(&c->lock);
  return found;
}

/* The caller has claimed a (state S_CLAIMED). */
static void fail(struct action *a, const char *why) {
  int64_t mono = now_ns(CLOCK_MONOTONIC);
  atomic_store(&a->applied_mono, mono);
  atomic_store(&a->state, S_FAILED);
  out("failed %lu %" PRId64 " %" PRId64 " %s", a->id, mono, now_ns(CLOCK_REALTIME), why);
  /* What was to follow it cannot be timed. */
  size_t n = atomic_load(&n_actions);
  for (size_t i = 0; i < n; i++) {
    struct action *d = &actions[i];
    int pending = S_PENDING;
    int64_t waiting = -1;
    if (!d->has_ref || d->ref != a->id) continue;
    if (d->fallback >= 0) atomic_compare_exchange_strong(&d->deadline, &waiting, d->fallback);
    else if (atomic_load(&d->deadline) < 0 && atomic_compare_exchange_strong(&d->state, &pending, S_CLAIMED))
      fail(d, "reference failed");
  }
}

static struct action *find(unsigned long id);

/* a's line with its markers filled in (see the header); its length, -1 if it does not fit. */
static int fill(const struct action *a, char *dst, size_t cap) {
  const struct action *r = find(a->ref);
  size_t used = 0;
  for (size_t i = 0; i < a->len;) {
    const char *at = a->line + i;
    size_t left = a->len - i;
    char piece[2 * HEAD_BYTES + 32];
    int pn = -1;
    size_t skip = 0;
    if (left >= sizeof REF_REAL_NS - 1 && memcmp(at, REF_REAL_NS, sizeof REF_REAL_NS - 1) == 0) {
      pn = snprintf(piece, sizeof piece, "%" PRId64, r ? atomic_load(&r->applied_real) : 0);
      skip = sizeof REF_REAL_NS - 1;
    } else if (left >= sizeof LAST_FRAME - 1 && memcmp(at, LAST_FRAME, sizeof LAST_FRAME - 1) == 0) {
      struct seen f;
      pn = 0;
      if (r && r->kind == K_DETACH && last_frame(r, &f)) {
        for (size_t k = 0; k < f.len; k++) pn += snprintf(piece + pn, sizeof piece - (size_t)pn, "%02x", f.head[k]);
        out("last-frame %lu %" PRId64 " %s", a->id, f.real, piece);
      } else {
        out("last-frame %lu 0 -", a->id);
      }
      skip = sizeof LAST_FRAME - 1;
    }
    if (pn < 0) {
      piece[0] = *at;
      pn = 1;
      skip = 1;
    }
    if (used + (size_t)pn > cap) return -1;
    memcpy(dst + used, piece, (size_t)pn);
    used += (size_t)pn;
    i += skip;
  }
  return (int)used;
}

static void apply(struct action *a) {
  int64_t start = now_ns(CLOCK_MONOTONIC), mono = 0, real = 0;
  int err = 0;
  if (a->kind == K_SEND) {
    struct ctl *c = &socks[a->sock];
    const char *line = a->line;
    size_t len = a->len;
    char filled[MAX_LINE + 2 * HEAD_BYTES + 32];
    if (a->has_ref) {
      int n = fill(a, filled, sizeof filled);
      if (n < 0) return fail(a, "line too long");
      line = filled;
      len = (size_t)n;
    }
    pthread_mutex_lock(&socks_lock);
    err = ctl_connect(c);
    if (err == 0) {
      ssize_t w = send(atomic_load(&c->fd), line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
      mono = now_ns(CLOCK_MONOTONIC);
      real = now_ns(CLOCK_REALTIME);
      if (w < 0) err = -errno;
      else if ((size_t)w != len) err = -EAGAIN;
      else {
        c->outstanding++;
        last_send = mono;
      }
    }
    pthread_mutex_unlock(&socks_lock);
  } else {
    int idx = (int)if_nametoindex(a->ifname);
    if (idx == 0) return fail(a, "no such interface");
    int br = a->bridge[0] ? (int)if_nametoindex(a->bridge) : 0;
    if (a->bridge[0] && br == 0) return fail(a, "no such bridge");
    if (a->kind == K_DETACH) {
      /* Carrier first (the node sees NO-CARRIER), then off the bridge or, down, onto the next one. */
      err = nl_setlink(idx, 0, 0, 0, &mono, &real);
      if (err == 0) err = nl_setlink(idx, -1, 1, br, NULL, NULL);
      if (err == 0 && br && a->isolated) err = nl_isolate(idx);
      a->enslaved = err == 0 ? br : 0;
    } else {
      /* The detach before it on this link (kept in order) may have put the port there already. */
      struct action *p = a->prev >= 0 ? &actions[a->prev] : NULL;
      int there = p && p->kind == K_DETACH && atomic_load(&p->state) == S_APPLIED && p->enslaved == br;
      if (!there) err = nl_setlink(idx, -1, 1, br, NULL, NULL);
      if (!there && err == 0 && a->isolated) err = nl_isolate(idx);
      if (err == 0) err = nl_setlink(idx, 1, 0, 0, &mono, &real);
    }
  }
  if (err) return fail(a, strerror(-err));
  atomic_store(&a->applied_real, real);
  atomic_store(&a->applied_mono, mono);
  out("applied %lu %" PRId64 " %" PRId64 " %" PRId64, a->id, start, mono, real);
  /* Derived actions get their deadline, then the action counts as applied. */
  size_t n = atomic_load(&n_actions);
  for (size_t i = 0; i < n; i++) {
    int64_t waiting = -1;
    if (actions[i].has_ref && actions[i].ref == a->id)
      atomic_compare_exchange_strong(&actions[i].deadline, &waiting, mono + actions[i].delay);
  }
  atomic_store(&a->state, S_APPLIED);
}

static struct action *find(unsigned long id) {
  size_t n = atomic_load(&n_actions);
  for (size_t i = 0; i < n; i++)
    if (actions[i].id == id) return &actions[i];
  return NULL;
}

/* Parses "detach IF" | "attach IF BR" | "send PATH LINE" into a. */
static const char *parse_action(struct action *a, char *s) {
  char *rest = NULL, *verb = strtok_r(s, " ", &rest);
  if (!verb) return "no action";
  if (strcmp(verb, "detach") == 0 || strcmp(verb, "attach") == 0) {
    a->kind = verb[0] == 'd' ? K_DETACH : K_ATTACH;
    char *ifn = strtok_r(NULL, " ", &rest);
    if (!ifn || strlen(ifn) >= IF_NAMESIZE) return "bad interface";
    strcpy(a->ifname, ifn);
    char *br = strtok_r(NULL, " ", &rest);
    if (a->kind == K_ATTACH && !br) return "bad bridge";
    if (br && strlen(br) >= IF_NAMESIZE) return "bad bridge";
    if (br) strcpy(a->bridge, br);
    char *flag = br ? strtok_r(NULL, " ", &rest) : NULL;
    if (flag && strcmp(flag, "isolated") != 0) return "bad flag";
    a->isolated = flag != NULL;
    return NULL;
  }
  if (strcmp(verb, "send") == 0) {
    char *path = strtok_r(NULL, " ", &rest);
    if (!path || !rest || !*rest) return "bad send";
    int i = sock_for(path);
    if (i < 0) return "too many sockets or path too long";
    a->kind = K_SEND;
    a->sock = i;
    a->len = strlen(rest) + 1;
    a->line = malloc(a->len + 1);
    if (!a->line) return "out of memory";
    memcpy(a->line, rest, a->len - 1);
    a->line[a->len - 1] = '\n';
    pthread_mutex_lock(&socks_lock);
    ctl_connect(&socks[i]); /* pre-connect; a failure is retried when the action is due */
    pthread_mutex_unlock(&socks_lock);
    return NULL;
  }
  return "unknown action";
}

static void parse_line(char *s) {
  size_t n = atomic_load(&n_actions);
  if (n == MAX_ACTIONS) return out("malformed schedule full");
  struct action *a = &actions[n];
  memset(a, 0, sizeof *a);
  char *rest = NULL, *w = strtok_r(s, " ", &rest);
  if (!w) return;
  char *end;
  struct action *r = NULL;
  if (strcmp(w, "at") == 0) {
    char *id = strtok_r(NULL, " ", &rest), *dl = strtok_r(NULL, " ", &rest);
    if (!id || !dl) return out("malformed at");
    a->id = strtoul(id, &end, 10);
    int64_t d = strtoll(dl, &end, 10);
    if (*end || d < 0) return out("malformed deadline");
    atomic_store(&a->deadline, d);
  } else if (strcmp(w, "after") == 0 || strcmp(w, "follow") == 0) {
    char *id = strtok_r(NULL, " ", &rest), *ref = strtok_r(NULL, " ", &rest), *d = strtok_r(NULL, " ", &rest);
    char *fb = w[0] == 'f' ? strtok_r(NULL, " ", &rest) : NULL;
    if (!id || !ref || !d || (w[0] == 'f' && !fb)) return out("malformed %s", w);
    a->id = strtoul(id, &end, 10);
    a->ref = strtoul(ref, &end, 10);
    a->has_ref = 1;
    a->delay = strtoll(d, &end, 10);
    if (*end || a->delay < 0) return out("malformed delay");
    a->fallback = fb ? strtoll(fb, &end, 10) : -1;
    if (fb && (*end || a->fallback < 0)) return out("malformed deadline");
    r = find(a->ref);
    if (!r) return out("malformed unknown reference %lu", a->ref);
    atomic_store(&a->deadline, -1);
  } else {
    return out("malformed verb");
  }
  if (find(a->id)) return out("malformed duplicate id %lu", a->id);
  const char *bad = parse_action(a, rest);
  if (bad) return out("malformed %s", bad);
  /* One link's changes, and one agent's lines, keep their order: with two workers, a change held
   * in the kernel (rtnl_lock) would otherwise be overtaken by the next one on the same link. */
  a->prev = -1;
  for (size_t i = n; i-- > 0;) {
    struct action *p = &actions[i];
    int same = a->kind == K_SEND ? p->kind == K_SEND && p->sock == a->sock
                                 : p->kind != K_SEND && strcmp(p->ifname, a->ifname) == 0;
    if (same) {
      a->prev = (long)i;
      break;
    }
  }
  if (a->kind == K_DETACH) capture_for(a->ifname); /* watched from now on: its last frame before the leave */
  atomic_store(&n_actions, n + 1); /* published: the workers see it from here on */
  if (r) {
    /* The reference may have been applied or failed before this action was published. */
    int st = atomic_load(&r->state);
    int64_t waiting = -1;
    if (st == S_APPLIED) atomic_compare_exchange_strong(&a->deadline, &waiting, atomic_load(&r->applied_mono) + a->delay);
    int pending = S_PENDING;
    if (st == S_FAILED && a->fallback >= 0) atomic_compare_exchange_strong(&a->deadline, &waiting, a->fallback);
    else if (st == S_FAILED && atomic_compare_exchange_strong(&a->state, &pending, S_CLAIMED))
      fail(a, "reference failed");
  }
}

static void *worker(void *arg) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET((int)(intptr_t)arg, &one);
  sched_setaffinity(0, sizeof one, &one);
  nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl_fd < 0) return NULL;
  /* An answer that never comes (a lost ack, a namespace gone) fails the action instead of holding
   * this worker, and the actions queued behind it on the same link, for ever. */
  struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
  setsockopt(nl_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (;;) {
    /* The earliest action that may go: one whose predecessor on its link or socket is done. One whose
     * predecessor is not (in the kernel, or due later: two reports to one agent whose detaches the
     * kernel held back out of order) waits for it; the predecessor stays eligible at its own
     * deadline, so nothing waits for an action that is never picked. */
    struct action *next = NULL;
    int64_t next_dl = 0, blocked_dl = -1;
    size_t n = atomic_load(&n_actions);
    for (size_t i = 0; i < n; i++) {
      int64_t dl = atomic_load(&actions[i].deadline);
      if (dl < 0 || atomic_load(&actions[i].state) != S_PENDING) continue;
      long pv = actions[i].prev;
      if (pv >= 0 && atomic_load(&actions[pv].state) < S_APPLIED) {
        if (blocked_dl < 0 || dl < blocked_dl) blocked_dl = dl;
        continue;
      }
      if (!next || dl < next_dl) next = &actions[i], next_dl = dl;
    }
    int64_t now = now_ns(CLOCK_MONOTONIC);
    if (blocked_dl >= 0 && blocked_dl <= now && (!next || next_dl - now > SPIN_NS)) {
      /* A due action waits for its predecessor: look again shortly, without spinning. */
      int64_t wake = now + 50000;
      struct timespec ts = {.tv_sec = wake / 1000000000LL, .tv_nsec = wake % 1000000000LL};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
      }
      continue;
    }
    if (!next || next_dl - now > SPIN_NS) {
      int64_t wake = next && next_dl - SPIN_NS < now + RESCAN_NS ? next_dl - SPIN_NS : now + RESCAN_NS;
      struct timespec ts = {.tv_sec = wake / 1000000000LL, .tv_nsec = wake % 1000000000LL};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
      }
      continue;
    }
    while (now_ns(CLOCK_MONOTONIC) < next_dl && atomic_load(&next->state) == S_PENDING) {
    }
    int pending = S_PENDING;
    if (atomic_compare_exchange_strong(&next->state, &pending, S_CLAIMED)) apply(next);
  }
}

static void read_replies(struct ctl *c) {
  int fd = atomic_load(&c->fd);
  for (;;) {
    ssize_t n = read(fd, c->buf + c->used, sizeof c->buf - c->used - 1);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {
      pthread_mutex_lock(&socks_lock);
      close(fd);
      atomic_store(&c->fd, -1);
      c->outstanding = 0;
      pthread_mutex_unlock(&socks_lock);
      return;
    }
    c->used += (size_t)n;
    char *nl;
    while ((nl = memchr(c->buf, '\n', c->used))) {
      *nl = 0;
      out("reply %s", c->buf);
      pthread_mutex_lock(&socks_lock);
      if (c->outstanding > 0) c->outstanding--;
      pthread_mutex_unlock(&socks_lock);
      size_t rest = c->used - (size_t)(nl + 1 - c->buf);
      memmove(c->buf, nl + 1, rest);
      c->used = rest;
    }
    if (c->used == sizeof c->buf - 1) {
      out("malformed reply longer than %d bytes", MAX_REPLY);
      c->used = 0;
    }
  }
}

int main(int argc, char **argv) {
  const char *netns = NULL;
  int prio = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--netns") == 0) netns = argv[i + 1];
    else if (strcmp(argv[i], "--fifo") == 0) prio = atoi(argv[i + 1]);
  }
  signal(SIGPIPE, SIG_IGN);
  if (netns) {
    /* Before any thread exists: setns(2) acts on the calling thread, the workers inherit it. */
    int fd = open(netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
      fprintf(stderr, "mipshop-timeline: cannot enter %s: %s\n", netns, strerror(errno));
      return 2;
    }
    close(fd);
  }
  if (prio > 0) {
    /* Threads created afterwards inherit the policy (pthread_attr_setinheritsched(3) default). */
    struct sched_param sp = {.sched_priority = prio};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
      fprintf(stderr, "mipshop-timeline: SCHED_FIFO %d refused: %s\n", prio, strerror(errno));
    if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) fprintf(stderr, "mipshop-timeline: mlockall: %s\n", strerror(errno));
  }
  actions = calloc(MAX_ACTIONS, sizeof *actions);
  if (!actions) {
    fprintf(stderr, "mipshop-timeline: %s\n", strerror(errno));
    return 2;
  }
  cpu_set_t cpus;
  sched_getaffinity(0, sizeof cpus, &cpus);
  int workers = 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512 * 1024); /* mlockall locks whole stacks: not glibc's 8 MiB each */
  for (int c = 0; c < CPU_SETSIZE && workers < MAX_WORKERS; c++) {
    pthread_t t;
    if (CPU_ISSET(c, &cpus) && pthread_create(&t, &attr, worker, (void *)(intptr_t)c) == 0) workers++;
  }
  if (workers == 0) {
    fprintf(stderr, "mipshop-timeline: no worker thread\n");
    return 2;
  }
  static char in[MAX_LINE];
  size_t in_used = 0;
  int in_open = 1, skipping = 0;
  fcntl(0, F_SETFL, O_NONBLOCK);
  /* The whole schedule fits in the pipe at once: the orchestrator writing it late (starved) cannot
   * hold back a deadline (fcntl(2) F_SETPIPE_SZ; fails harmlessly when stdin is not a pipe). */
  fcntl(0, F_SETPIPE_SZ, 1 << 20);
  out("ready %" PRId64 " %" PRId64, now_ns(CLOCK_MONOTONIC), now_ns(CLOCK_REALTIME));
  for (;;) {
    size_t n = atomic_load(&n_actions), ns = atomic_load(&n_socks);
    int pending = 0;
    for (size_t i = 0; i < n; i++)
      if (atomic_load(&actions[i].state) < S_APPLIED) pending = 1;
    pthread_mutex_lock(&socks_lock);
    long outstanding = 0;
    for (size_t i = 0; i < ns; i++) outstanding += atomic_load(&socks[i].fd) >= 0 ? socks[i].outstanding : 0;
    int64_t since_send = now_ns(CLOCK_MONOTONIC) - last_send;
    pthread_mutex_unlock(&socks_lock);
    if (!in_open && !pending && (outstanding == 0 || since_send > REPLY_WAIT_NS)) return 0;
    size_t nc = atomic_load(&n_caps);
    struct pollfd fds[MAX_SOCKETS + MAX_CAPTURES + 1];
    nfds_t nf = 0;
    fds[nf++] = (struct pollfd){.fd = in_open ? 0 : -1, .events = POLLIN};
    for (size_t i = 0; i < ns; i++) fds[nf++] = (struct pollfd){.fd = atomic_load(&socks[i].fd), .events = POLLIN};
    for (size_t i = 0; i < nc; i++) fds[nf++] = (struct pollfd){.fd = caps[i].fd, .events = POLLIN};
    if (poll(fds, nf, 20) <= 0) continue;
    for (size_t i = 0; i < nc; i++)
      if (fds[1 + ns + i].fd >= 0 && fds[1 + ns + i].revents) {
        pthread_mutex_lock(&caps[i].lock);
        capture_drain(&caps[i]);
        pthread_mutex_unlock(&caps[i].lock);
      }
    for (size_t i = 0; i < ns; i++)
      if (fds[i + 1].fd >= 0 && fds[i + 1].revents && atomic_load(&socks[i].fd) == fds[i + 1].fd) read_replies(&socks[i]);
    if (in_open && fds[0].revents) {
      ssize_t r = read(0, in + in_used, sizeof in - in_used - 1);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) {
        in_open = 0;
        continue;
      }
      in_used += (size_t)r;
      char *nl;
      while ((nl = memchr(in, '\n', in_used))) {
        *nl = 0;
        if (!skipping) parse_line(in);
        skipping = 0;
        size_t rest = in_used - (size_t)(nl + 1 - in);
        memmove(in, nl + 1, rest);
        in_used = rest;
      }
      if (in_used == sizeof in - 1) {
        out("malformed line longer than %d bytes", MAX_LINE);
        in_used = 0;
        skipping = 1;
      }
    }
  }
}
