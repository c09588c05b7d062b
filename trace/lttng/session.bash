# shellcheck shell=bash disable=SC2034  # LT_ERR, LT_OWN_PID: read by the sourcing scripts
# Shell helpers for the LTTng tests (tests/trace/lttng_*.sh) and bench/lttng_compare.sh:
# a session daemon for the duration of a script, and recording sessions. Sourced.
#
# A session daemon that already runs is reused (sessions get unique names, so they never
# meet another user's); otherwise one is started and, at the end, stopped by its pid and
# only it. As root, lttng-sessiond always uses the system run directory (/var/run/lttng),
# so there can be only one root daemon; a user's lives in $LTTNG_HOME/.lttng.

LT_OWN_PID=''     # pid of the daemon this script started, if any
LT_ERR=''         # why lt_sessiond_up failed
LT_SESSIONS=()    # sessions created by this script, destroyed by lt_cleanup

lt_rundir() {
    if [ "$(id -u)" = 0 ]; then echo /var/run/lttng; else echo "${LTTNG_HOME:-$HOME}/.lttng"; fi
}

lt_daemon_reachable() { lttng list >/dev/null 2>&1; }

# Makes sure a session daemon answers; returns 1, the reason in LT_ERR, when none can be
# had. Not in a subshell: LT_OWN_PID must reach lt_cleanup.
lt_sessiond_up() {
    if ! command -v lttng >/dev/null || ! command -v lttng-sessiond >/dev/null; then
        LT_ERR="lttng-tools is not installed (make deps)"; return 1
    fi
    lt_daemon_reachable && return 0
    local pidfile _
    pidfile=$(lt_rundir)/lttng-sessiond.pid
    lttng-sessiond --daemonize --no-kernel >/dev/null 2>&1 || {
        LT_ERR="could not start lttng-sessiond"; return 1; }
    for _ in $(seq 100); do
        if lt_daemon_reachable && [ -s "$pidfile" ]; then
            LT_OWN_PID=$(cat "$pidfile")
            return 0
        fi
        sleep 0.1
    done
    LT_ERR="lttng-sessiond started but does not answer"
    return 1
}

# Stops the daemon this script started (and only it), waiting until it is gone.
lt_sessiond_down() {
    [ -n "$LT_OWN_PID" ] || return 0
    local _
    kill -TERM "$LT_OWN_PID" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$LT_OWN_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$LT_OWN_PID" 2>/dev/null && kill -KILL "$LT_OWN_PID" 2>/dev/null
    LT_OWN_PID=''
}

# lt_session_start NAME DIR CHANNEL_OPTS EVENTS...: a userspace session writing to DIR,
# one channel (CHANNEL_OPTS: extra lttng enable-channel options, may be empty) with the
# given event rules enabled, started. LT_CONTEXTS: context types every event of the
# channel also records (lttng add-context -t), e.g. "vpid".
lt_session_start() {
    local name=$1 dir=$2 chopts=$3; shift 3
    lttng create "$name" --output="$dir" >/dev/null || return 1
    LT_SESSIONS+=("$name")
    # shellcheck disable=SC2086
    lttng enable-channel -u -s "$name" $chopts ch >/dev/null || return 1
    local ev ctx
    for ctx in ${LT_CONTEXTS:-}; do
        lttng add-context -u -s "$name" -c ch -t "$ctx" >/dev/null || return 1
    done
    for ev in "$@"; do
        lttng enable-event -u -s "$name" -c ch "$ev" >/dev/null || return 1
    done
    lttng start "$name" >/dev/null
}

# Stops (waiting until the data is on disk) and destroys a session.
lt_session_end() {
    local name=$1 s keep=()
    lttng stop "$name" >/dev/null 2>&1
    lttng destroy "$name" >/dev/null 2>&1
    for s in "${LT_SESSIONS[@]}"; do [ "$s" = "$name" ] || keep+=("$s"); done
    LT_SESSIONS=("${keep[@]}")
}

# For a trap on EXIT: whatever this script left behind.
lt_cleanup() {
    local s
    for s in "${LT_SESSIONS[@]}"; do lttng destroy "$s" >/dev/null 2>&1; done
    LT_SESSIONS=()
    lt_sessiond_down
}

# Cleans up at exit, also when killed (a test timing out gets SIGTERM).
lt_traps() {
    trap lt_cleanup EXIT
    trap 'exit 143' TERM INT HUP
}

lt_unique_name() { echo "hakmem-$1-$$-$RANDOM"; }

# lt_test_setup FILE...: the start of a test that records a session: fails (exit 1) when
# one of the built FILEs is missing, is skipped (exit 77) without babeltrace2 or where no
# session daemon can run; sets the traps that clean up.
lt_test_setup() {
    local f
    for f in "$@"; do
        [ -e "$f" ] || { echo "FAIL: $f is missing (make)"; exit 1; }
    done
    command -v babeltrace2 >/dev/null || { echo "SKIP: babeltrace2 not installed (make deps)"; exit 77; }
    lt_traps
    lt_sessiond_up || { echo "SKIP: no LTTng session daemon: $LT_ERR"; exit 77; }
}
