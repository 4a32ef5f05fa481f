/*
 * zt_keys.h - every Redis key name of ztic, made in one place
 * (docs/holds.md, "Redis keys").
 *
 * An event's keys share the hash tag {ev:<event>}, so the scripts of an
 * event (lib/lua/hold_*.lua) can be given all of them in KEYS and a Redis
 * Cluster could take them as they are.  The scripts name KEYS[i] in the
 * order of enum zt_key_ev (lib/lua/hold_keys.lua): keep the two in step.
 * Names are built in an arena (the request's).
 */
#ifndef ZT_KEYS_H
#define ZT_KEYS_H

#include "zt_arena.h"

/* zt:{ev:<event>}:<suffix>; the order is the scripts' KEYS order. */
enum zt_key_ev {
	ZT_KEY_VER,    /* STRING  INCR per change */
	ZT_KEY_SEATS,  /* HASH    seat -> "<user>:<hold>" */
	ZT_KEY_HOLDS,  /* ZSET    hold -> expiry (ms) */
	ZT_KEY_HOLD,   /* HASH    hold -> {"u","s","g","x"} */
	ZT_KEY_USERS,  /* HASH    user -> hold */
	ZT_KEY_GA,     /* HASH    type -> free units, cap:type -> capacity */
	ZT_KEY_SOLD,   /* SET     sold seats */
	ZT_KEY_SOLDOK, /* STRING  present while sold and bought are complete */
	ZT_KEY_BOUGHT, /* HASH    user -> live tickets bought */
	ZT_KEY_MAP,    /* STRING  INCR per organizer change (zt_salemap) */
	ZT_KEY_RL,     /* HASH    u:<user> / a:<address digest> -> lock calls */
	ZT_KEY__EVENT_COUNT
};

/* Global index of events that have (or recently had) holds: the only
 * hold key outside an event's hash tag, read by the sweeper. */
#define ZT_KEY_HOLD_INDEX "zt:hold-events"

/* One key of event_id. */
const char *zt_keys_event(
    struct zt_arena *a, const char *event_id, enum zt_key_ev k);

/* All ZT_KEY__EVENT_COUNT keys of event_id, in enum order: the KEYS of
 * every hold script. */
const char **zt_keys_event_all(struct zt_arena *a, const char *event_id);

/* zt:rl:<scope>:<digest>: a rate limit's key (zt_rate; the digest keeps
 * identifiers out of Redis). */
const char *zt_keys_rate(
    struct zt_arena *a, const char *scope, const char *digest);

/* zt:oidc:<digest>: a Sign in with Google in progress, under the digest
 * of its state (zt_oidc; lives ZT_OIDC_STATE_TTL seconds, taken once). */
const char *zt_keys_oidc(struct zt_arena *a, const char *digest);

/* zt:revoked:<user>: the unix second up to which the user's access tokens
 * are refused (zt_session_revoke_user; lives one access-token lifetime). */
const char *zt_keys_revoked(struct zt_arena *a, const char *user_id);

/* zt:revoked:s:<family>: an ended session, whose access tokens (claim
 * "sid") are refused (zt_session_revoke_sessions; lives one access-token
 * lifetime). */
const char *zt_keys_revoked_session(struct zt_arena *a, const char *sid);

/* The waiting room of an event (docs/waiting-room.md), on the event's
 * hash tag: zt:{ev:<event>}:q:<suffix>; the order is the KEYS order of
 * lib/lua/queue_prelude.lua. */
enum zt_key_q {
	ZT_KEY_Q_STATE, /* HASH  settings, freeze, admission counters */
	ZT_KEY_Q_PRE,	/* ZSET  pre-queue: user -> lottery key */
	ZT_KEY_Q_LATE,	/* HASH  user -> place, joined after the on-sale */
	ZT_KEY_Q_ADDR,	/* HASH  address digest -> places taken */
	ZT_KEY_Q_PASS,	/* HASH  user -> pass expiry (ms) */
	ZT_KEY_Q_LOG,	/* LIST  late joiners in arrival order */
	ZT_KEY__Q_COUNT
};

/* All ZT_KEY__Q_COUNT queue keys of event_id, then (extra > 0) the
 * event's GA, SOLD, HOLDS, USERS and BOUGHT hold keys (the tick and join
 * scripts' KEYS). */
const char **zt_keys_queue_all(
    struct zt_arena *a, const char *event_id, int extra);

#endif
