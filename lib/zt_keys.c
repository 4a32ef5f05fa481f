/* zt_keys.c - Redis key names; see zt_keys.h. */
#include "zt_keys.h"

static const char *const ev_suffix[ZT_KEY__EVENT_COUNT] = {
    [ZT_KEY_VER] = "ver",
    [ZT_KEY_SEATS] = "seats",
    [ZT_KEY_HOLDS] = "holds",
    [ZT_KEY_HOLD] = "hold",
    [ZT_KEY_USERS] = "users",
    [ZT_KEY_GA] = "ga",
    [ZT_KEY_SOLD] = "sold",
    [ZT_KEY_SOLDOK] = "sold:ok",
    [ZT_KEY_BOUGHT] = "bought",
    [ZT_KEY_MAP] = "map",
    [ZT_KEY_RL] = "rl",
};

const char *
zt_keys_event(struct zt_arena *a, const char *event_id, enum zt_key_ev k)
{
	return zt_arena_printf(a, "zt:{ev:%s}:%s", event_id, ev_suffix[k]);
}

const char **
zt_keys_event_all(struct zt_arena *a, const char *event_id)
{
	const char **k = zt_arena_array(a, ZT_KEY__EVENT_COUNT, sizeof(*k));
	for (int i = 0; i < ZT_KEY__EVENT_COUNT; i++)
		k[i] = zt_keys_event(a, event_id, (enum zt_key_ev)i);
	return k;
}

const char *
zt_keys_rate(struct zt_arena *a, const char *scope, const char *digest)
{
	return zt_arena_printf(a, "zt:rl:%s:%s", scope, digest);
}

const char *
zt_keys_oidc(struct zt_arena *a, const char *digest)
{
	return zt_arena_printf(a, "zt:oidc:%s", digest);
}

const char *
zt_keys_revoked(struct zt_arena *a, const char *user_id)
{
	return zt_arena_printf(a, "zt:revoked:%s", user_id);
}

const char *
zt_keys_revoked_session(struct zt_arena *a, const char *sid)
{
	return zt_arena_printf(a, "zt:revoked:s:%s", sid);
}

static const char *const q_suffix[ZT_KEY__Q_COUNT] = {
    [ZT_KEY_Q_STATE] = "q",
    [ZT_KEY_Q_PRE] = "q:pre",
    [ZT_KEY_Q_LATE] = "q:late",
    [ZT_KEY_Q_ADDR] = "q:addr",
    [ZT_KEY_Q_PASS] = "q:pass",
    [ZT_KEY_Q_LOG] = "q:log",
};

const char **
zt_keys_queue_all(struct zt_arena *a, const char *event_id, int extra)
{
	const char **k = zt_arena_array(a, ZT_KEY__Q_COUNT + 5, sizeof(*k));
	int i;
	for (i = 0; i < ZT_KEY__Q_COUNT; i++)
		k[i] =
		    zt_arena_printf(a, "zt:{ev:%s}:%s", event_id, q_suffix[i]);
	if (extra) {
		k[i++] = zt_keys_event(a, event_id, ZT_KEY_GA);
		k[i++] = zt_keys_event(a, event_id, ZT_KEY_SOLD);
		k[i++] = zt_keys_event(a, event_id, ZT_KEY_HOLDS);
		k[i++] = zt_keys_event(a, event_id, ZT_KEY_USERS);
		k[i++] = zt_keys_event(a, event_id, ZT_KEY_BOUGHT);
	}
	return k;
}
