#!/bin/sh
# lint-lua.sh - every Redis script of lib/lua/ as Redis gets it (includes
# expanded by lib/lua/lua2c): it parses as Lua 5.1 (luac5.1 -p, Redis's
# Lua), assigns no global (Redis refuses that at run time) and reads only
# the globals Redis gives a script, so a typo in a name fails here rather
# than at the first EVAL.  TAP output; exit 77 (skipped) without luac5.1
# (Debian package lua5.1, in scripts/dev's TEST_PKGS).
set -u
srcdir=${srcdir:-.}
dir="$srcdir/lib/lua"
LUAC=${LUAC:-luac5.1}
scripts=${ZT_LUA_NAMES:-}
[ -n "$scripts" ] || scripts=$(cd "$dir" && ls hold_*.lua rate_*.lua |
	grep -v -e '^hold_keys.lua$' -e '^hold_prelude.lua$')
if ! command -v "$LUAC" >/dev/null 2>&1; then
	echo "1..0 # SKIP $LUAC not found (apt-get install lua5.1)"
	exit 77
fi
# what Redis 7's script sandbox defines that our scripts may read
allowed=" redis cjson cmsgpack bit struct KEYS ARGV tonumber tostring type \
pairs ipairs next unpack select error pcall assert math string table \
rawget rawset setmetatable getmetatable "
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lint-lua.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
for f in $scripts; do
	n=$((n + 1))
	bad=""
	if ! sh "$dir/lua2c" -e "$dir/$f" > "$tmp/s.lua"; then
		bad="cannot expand"
	elif ! "$LUAC" -p "$tmp/s.lua" 2> "$tmp/err"; then
		bad=$(cat "$tmp/err")
	else
		"$LUAC" -p -l "$tmp/s.lua" > "$tmp/list"
		set_g=$(awk '$3 == "SETGLOBAL" { print $NF }' "$tmp/list" |
			sort -u | tr '\n' ' ')
		[ -z "$set_g" ] || bad="assigns globals: $set_g"
		for g in $(awk '$3 == "GETGLOBAL" { print $NF }' "$tmp/list" |
			sort -u); do
			case $allowed in
			*" $g "*) ;;
			*) bad="$bad reads unknown global: $g" ;;
			esac
		done
	fi
	if [ -n "$bad" ]; then
		failed=$((failed + 1))
		echo "not ok $n - $f"
		echo "$bad" | sed 's/^/#   /'
	else
		echo "ok $n - $f"
	fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
