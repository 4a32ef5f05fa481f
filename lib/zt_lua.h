/*
 * zt_lua.h - the Redis scripts, lib/lua/<name>.lua, embedded at build
 * time (lib/lua/lua2c, Makefile.am) as NUL-terminated C strings: one
 * zt_lua_<file name> per script, its --#include lines already replaced.
 * Read, lint (tests/unit/lint-lua.sh) and test (tests/unit/test-lua.c)
 * the .lua files; docs/holds.md says what each does.
 */
#ifndef ZT_LUA_H
#define ZT_LUA_H

extern const char zt_lua_hold_lock[];
extern const char zt_lua_hold_release[];
extern const char zt_lua_hold_consume[];
extern const char zt_lua_hold_unsell[];
extern const char zt_lua_hold_sweep[];
extern const char zt_lua_hold_get[];
extern const char zt_lua_hold_status[];
extern const char zt_lua_hold_seed_sold[];
extern const char zt_lua_hold_index_drop[];
extern const char zt_lua_rate_hit[];
extern const char zt_lua_rate_fail[];
extern const char zt_lua_queue_join[];
extern const char zt_lua_queue_tick[];
extern const char zt_lua_queue_auto[];

#endif
