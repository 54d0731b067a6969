// Linux calls that Swift's Glibc module leaves out: epoll, on which the engine's reactor
// (Sources/PeerEngine/Socket/Reactor.swift) waits instead of Dispatch sources, and
// accept4, which makes an accepted socket nonblocking and close-on-exec in one call.
#ifndef VERACK_CEPOLL_SHIM_H
#define VERACK_CEPOLL_SHIM_H

#include <sys/epoll.h>
#include <sys/socket.h>

static inline int verack_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    extern int accept4(int, struct sockaddr *, socklen_t *, int);
    return accept4(fd, address, length, flags);
}

#endif
