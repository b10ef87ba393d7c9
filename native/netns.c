/* Opening a socket or TUN device inside another network namespace: the calling (JS) thread
 * setns()es into it, creates the fd, and setns()es back. A socket keeps the namespace it was
 * created in for its whole life (socket(7): sock_net is fixed at creation), so one process can hold
 * sockets in several namespaces. setns(2) with CLONE_NEWNET acts on the calling thread only. */

#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int mh_netns_enter(const char *path, mh_fail *f) {
  if (path == NULL) return -2;
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    f->err = errno;
    f->syscall = "open";
    f->path = path;
    return -1;
  }
  int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved < 0) {
    f->err = errno;
    f->syscall = "open";
    f->path = "/proc/thread-self/ns/net";
    close(target);
    return -1;
  }
  if (setns(target, CLONE_NEWNET) < 0) {
    f->err = errno;
    f->syscall = "setns";
    f->path = path;
    close(target);
    close(saved);
    return -1;
  }
  close(target);
  return saved;
}

void mh_netns_leave(int saved) {
  if (saved < 0) return;
  if (setns(saved, CLONE_NEWNET) < 0) {
    /* Every later socket and route of this process would land in the wrong namespace. */
    perror("mipshop_native: setns back to the original network namespace");
    abort();
  }
  close(saved);
}

bool mh_open_finish(napi_env env, int saved, int fd, const mh_fail *f) {
  mh_netns_leave(saved);
  if (!f->err) return true;
  if (fd >= 0) close(fd);
  mh_throw_fail(env, f);
  return false;
}
