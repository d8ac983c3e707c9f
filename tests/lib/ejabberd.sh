#!/bin/bash
# ejabberd.sh -- a throwaway ejabberd for tests/check_ws5: MQTT 5 and
# 3.1.1 over wss:// and ws://, from ejabberd's mod_mqtt (Debian 12's
# mosquitto has no WebSocket listener, and aedes speaks 3.1.1 only).
#
#   ejabberd.sh check
#       exit 0 when ejabberd can run here, else 77 with the reason
#   ejabberd.sh run DIR TLSPORT PLAINPORT CERT KEY CA USER PASSFILE
#       run one in DIR (config, spool, logs: nothing outside it) with
#       an HTTPS listener on 127.0.0.1:TLSPORT and a plain HTTP one on
#       127.0.0.1:PLAINPORT, both handing /mqtt to mod_mqtt; register
#       USER@localhost with the first line of PASSFILE; print TLSPORT
#       once that is done, then stay until a signal.
#
# The instance is self-contained: Erlang runs without distribution (no
# node name, so no epmd, no cookie and nothing for ejabberdctl to reach),
# which is also why the user is registered from inside the node at boot
# and not with `ejabberdctl register`.  ejabberdctl itself is not used:
# run by anyone but root or the ejabberd user it refuses to start, and
# run by root it switches to the ejabberd user, who cannot read a
# private temporary directory.  The caller bounds the lifetime (timeout)
# and stops the whole process group; SIGTERM stops Erlang cleanly.
set -euo pipefail

die() { echo "ejabberd.sh: $*" >&2; exit 1; }

# The directory that holds ejabberd-VERSION/ebin (Debian puts it under
# the multiarch library directory): ejabberdctl's ERL_LIBS.
find_libs() {
	local app
	for app in /usr/lib/*/ejabberd-*/ebin/ejabberd.app \
		/usr/lib/ejabberd-*/ebin/ejabberd.app \
		/usr/local/lib/ejabberd-*/ebin/ejabberd.app; do
		if [ -f "$app" ]; then
			dirname "$(dirname "$(dirname "$app")")"
			return 0
		fi
	done
	return 1
}

check() {
	command -v erl >/dev/null 2>&1 ||
		{ echo "no erl: Erlang is not installed"; exit 77; }
	find_libs >/dev/null ||
		{ echo "ejabberd is not installed (no ejabberd.app)"; exit 77; }
}

[ $# -ge 1 ] || die "usage: ejabberd.sh check | run DIR ..."
case $1 in
check)
	check
	exit 0
	;;
run)
	[ $# -eq 9 ] || die "usage: ejabberd.sh run DIR TLSPORT PLAINPORT" \
		"CERT KEY CA USER PASSFILE"
	;;
*)
	die "unknown verb $1"
	;;
esac
check >&2
dir=$2 tls_port=$3 plain_port=$4 cert=$5 key=$6 ca=$7 user=$8 passfile=$9
libs=$(find_libs)
# a fresh database each time: a start tried again on other ports would
# find the user registered already
rm -rf "$dir/spool" "$dir/ready"
mkdir -p "$dir/spool" "$dir/logs" || die "cannot create $dir"

# YAML: the paths are quoted; the test's temporary paths hold no quotes.
cat >"$dir/ejabberd.yml" <<EOF
hosts:
  - localhost
loglevel: info
log_rotate_count: 0
certfiles:
  - "$cert"
  - "$key"
ca_file: "$ca"
# no certificate requests to the outside world
acme:
  auto: false
listen:
  -
    port: $tls_port
    ip: "127.0.0.1"
    module: ejabberd_http
    tls: true
    request_handlers:
      /mqtt: mod_mqtt
  -
    port: $plain_port
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /mqtt: mod_mqtt
auth_method: internal
auth_password_format: scram
modules:
  mod_mqtt: {}
EOF

export HOME=$dir
export EJABBERD_CONFIG_PATH=$dir/ejabberd.yml
export EJABBERD_LOG_PATH=$dir/logs/ejabberd.log
export ERL_LIBS=$libs
export ERL_CRASH_DUMP=$dir/logs/erl_crash.dump
export ERL_CRASH_DUMP_BYTES=0
# read by the boot code below: no secret on a command line
export EJ_USER=$user EJ_PASSFILE=$passfile EJ_READY=$dir/ready
cd "$dir/spool"

# After ejabberd has started (-s runs first, and returns once every
# application is up), register the user, then say so with a file.
boot='
{ok, Bin} = file:read_file(os:getenv("EJ_PASSFILE")),
[Pw | _] = binary:split(Bin, [<<"\r\n">>, <<"\n">>]),
case ejabberd_auth:try_register(list_to_binary(os:getenv("EJ_USER")),
                                <<"localhost">>, Pw) of
    ok -> ok = file:write_file(os:getenv("EJ_READY"), <<"ready\n">>);
    Other -> io:format("ejabberd.sh: registering the user failed: ~p~n",
                       [Other]),
             erlang:halt(3)
end.'
erl -noinput -start_epmd false -mnesia dir "\"$dir/spool\"" \
	-s ejabberd -eval "$boot" >"$dir/logs/erl.out" 2>&1 &
erl_pid=$!
trap 'kill -TERM "$erl_pid" 2>/dev/null; wait "$erl_pid"; exit 0' TERM INT

while [ ! -e "$dir/ready" ]; do
	if ! kill -0 "$erl_pid" 2>/dev/null; then
		wait "$erl_pid" && rc=0 || rc=$?
		echo "ejabberd.sh: Erlang exited ($rc) before ejabberd was ready;" \
			"its output:" >&2
		tail -n 40 "$dir/logs/erl.out" >&2
		exit 1
	fi
	sleep 0.1
done
echo "$tls_port"
wait "$erl_pid"
