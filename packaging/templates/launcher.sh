#!/bin/sh
# Runs the linux-patch-api agent with the system's Node.js.
# --max-semi-space-size=4 caps V8's young generation at 4 MiB per semi-space (Node 20 lets it grow
# to 16 under load and keeps it): an agent that has served requests stays about 20 MiB smaller, at
# no measurable CPU cost per request (a cap of 1 or 2 MiB made each request cost more).
# MALLOC_ARENA_MAX=2: glibc gives threads that allocate (V8's compiler and GC helpers, libuv's pool
# for file and crypto work) malloc arenas of their own, which keep their freed memory; two arenas
# measured 2.1 MiB less RSS right after start and after 1,000 requests, with no cost in requests per
# second or CPU per request (alternating A/B rounds). An operator's own value wins; musl ignores it.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec /usr/bin/node --max-semi-space-size=4 /usr/lib/linux-patch-api/node_modules/@linux-patch-api/core/{{CLI}} "$@"
