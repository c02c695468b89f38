# sign.sh: what signed frames cost, each signed run beside its unsigned
# twin on the same rows, in one run.  Targets (issue 19): signing and
# checking add at most 5% to
#   - pack of the shared change text (pack --sign / pack),
#   - apply of the shared pack into empty tables (apply --signers of the
#     signed pack / apply of the unsigned one),
#   - the pipeline capture --drain | pack | apply of the shared source
#     (with --sign and --signers / without);
# and the signed trickle, capture --follow | pack --sign | apply
# --signers, keeps latency.sh's target: its p50 at most 2x a native
# subscription's.
#
# The signed side signs with one Ed25519 key made for the run, listed in
# a signers file for both origins whose frames it signs: the shared
# source's node and the trickle's.  Both sides read the shared text and
# source (lib.sh) and take turns (bench_compare); the unsigned pack is
# made as pack.sh makes it, into BENCH_PACK.  Applies write a database
# of their own per run and side on one destination (SIGN_DST), made
# before the runs and checked after them.  The trickle is latency.sh's
# (trickle.sh), with the signed pipeline in place of the plain one.

# shellcheck source=scripts/bench.d/trickle.sh
source "$BENCH_DIR/trickle.sh"

SIGN_DST=sign_dst
SIGN_KEY=$BENCH_TMP/sign.key
SIGN_SIGNERS=$BENCH_TMP/sign.signers
SIGN_PACK=$BENCH_TMP/payments.signed.pack
SIGN_MAX_RATIO=1.05
# The options of the signed side, as words of a bench_measure command.
SIGN_PACK_OPTIONS="--sign '$SIGN_KEY'"
SIGN_APPLY_OPTIONS="--signers '$SIGN_SIGNERS'"

# sign_keys: the run's key, and the signers file that lists it for the
# shared source's node and the trickle's (src).
sign_keys() {
	[ ! -s "$SIGN_KEY" ] || return 0
	ssh-keygen -q -t ed25519 -N '' -C pgmesh-bench -f "$SIGN_KEY" </dev/null
	printf '%s %s\n' "$BENCH_NODE" "$(cat "$SIGN_KEY.pub")" \
		src "$(cat "$SIGN_KEY.pub")" >"$SIGN_SIGNERS"
}

sign_pack_plain() {
	bench_measure RUN_S RUN_KB "pgmesh-pack <'$BENCH_TEXT' >'$BENCH_PACK'"
}

sign_pack_signed() {
	bench_measure RUN_S RUN_KB \
		"pgmesh-pack $SIGN_PACK_OPTIONS <'$BENCH_TEXT' >'$SIGN_PACK'"
}

# sign_pack: pack --sign beside pack, then the signed pack checked and
# unpacked as a reader with the signers file would.
sign_pack() {
	bench_text_ready
	cat "$BENCH_TEXT" >/dev/null	# both start with the text in the cache
	bench_compare sign_pack_signed sign_pack_plain
	bench_times "pack, unsigned ($BENCH_ROWS rows)" "$B_KB" \
		"$(bench_bytes_per_row "$BENCH_PACK")" "${B_RUNS[@]}"
	bench_times "pack --sign of the same text" "$A_KB" \
		"$(bench_bytes_per_row "$SIGN_PACK")" "${A_RUNS[@]}"
	bench_ratio "pack --sign / pack" "$SIGN_MAX_RATIO"
	pgmesh-pack -d --signers "$SIGN_SIGNERS" <"$SIGN_PACK" |
		cmp -s - "$BENCH_TEXT" ||
		bench_row "pack --sign | pack -d --signers differs" - - - "FAILED"
}

# sign_apply_run N SIDE PACK [OPTIONS]: apply of PACK into the N-th
# database of SIDE.
sign_apply_run() {
	bench_measure RUN_S RUN_KB "pgmesh-apply -d '$(pg_conninfo "$SIGN_DST" "apply_$2_$1")' \
		--allow '*:*' ${4:-} <'$3' 2>/dev/null"
}

sign_apply_plain() {
	sign_apply_run "$1" plain "$BENCH_PACK"
}

sign_apply_signed() {
	sign_apply_run "$1" signed "$SIGN_PACK" "$SIGN_APPLY_OPTIONS"
}

# sign_pipeline_run N SIDE [PACK_OPTIONS APPLY_OPTIONS]: capture | pack |
# apply of the shared source into the N-th database of SIDE, from the
# shared slot (never advanced by --drain).
sign_pipeline_run() {
	bench_measure RUN_S RUN_KB "
		pgmesh-capture -d '$(pg_conninfo "$BENCH_SOURCE")' -S '$BENCH_SLOT' --drain |
		pgmesh-pack ${3:-} |
		pgmesh-apply -d '$(pg_conninfo "$SIGN_DST" "pipeline_$2_$1")' \
			--allow '*:*' ${4:-} 2>/dev/null"
}

sign_pipeline_plain() {
	sign_pipeline_run "$1" plain
}

sign_pipeline_signed() {
	sign_pipeline_run "$1" signed "$SIGN_PACK_OPTIONS" "$SIGN_APPLY_OPTIONS"
}

# sign_versus NAME PLAIN_LABEL SIGNED_LABEL RATIO_LABEL: sign_NAME_signed
# beside sign_NAME_plain, each run writing the shared rows into an empty
# database of its own (NAME_SIDE_N), which holds all of them after.
sign_versus() {
	local i db dbs=()
	for i in $(seq "$BENCH_RUNS"); do
		dbs+=("$1_plain_$i" "$1_signed_$i")
	done
	for db in "${dbs[@]}"; do
		bench_database "$SIGN_DST" "$db"
	done
	bench_compare "sign_$1_signed" "sign_$1_plain"
	bench_times "$2" "$B_KB" "" "${B_RUNS[@]}"
	bench_times "$3" "$A_KB" "" "${A_RUNS[@]}"
	bench_ratio "$4" "$SIGN_MAX_RATIO"
	for db in "${dbs[@]}"; do
		bench_check "$SIGN_DST" "$db" "$BENCH_ROWS"
	done
	bench_drop "$SIGN_DST" "${dbs[@]}"
}

bench_sign() {
	sign_keys
	sign_pack
	pg_start "$SIGN_DST" "${BENCH_SETTINGS[@]}"
	sign_versus apply "apply of the unsigned pack (empty table)" \
		"apply --signers of the signed pack" "apply --signers / apply"
	sign_versus pipeline "capture | pack | apply, unsigned" \
		"capture | pack --sign | apply --signers" \
		"signed pipeline / unsigned"
	# Stopped before the trickle, which has clusters of its own.
	pg_stop "$SIGN_DST"
	latency_local "$SIGN_PACK_OPTIONS" "$SIGN_APPLY_OPTIONS"
	latency_rows "latency, signed pipeline, p50 (ms)" \
		"latency, native subscription, p50 (ms)" \
		"latency p50, signed pgmesh / native" 2
}

bench_sign
