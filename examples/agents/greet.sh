#!/bin/sh
# A command agent in shell: the input JSON arrives on stdin, stderr lines become log events, and the
# last {"type":"result"} line on stdout is the run's result.
input=$(cat)
name=$(printf '%s' "$input" | sed -n 's/.*"name" *: *"\([^"]*\)".*/\1/p')
echo "greeting ${name:-nobody}" >&2
printf '{"type":"result","result":{"message":"%s, %s!"}}\n' "$GREETING" "${name:-world}"
