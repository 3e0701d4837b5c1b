#!/bin/sh
# Prints PASS or FAIL per exercise: each exercise's scenarios carry the answers as `expect:` blocks
# (what the room should find), so a scenario whose expectations hold is an answer that checks.
# Run from the repository root: sh docs/workshop/check.sh
fails=0
check() {
  what=$1; shift
  if npx mysqlsim "$@" -q > /dev/null 2>&1; then echo "PASS  $what"; else echo "FAIL  $what   (npx mysqlsim $*)"; fails=$((fails + 1)); fi
}
check "1. the lost wake-up hangs: T0 on m_prep_xids_cond, T2 on LOCK_log"  run scenarios/binlog/bug68569-lost-wakeup.yaml
check "1. fixed server: completes"                                        run scenarios/binlog/bug68569-lost-wakeup-fixed.yaml
check "1. binlog_order_commits=ON: completes"                             run scenarios/binlog/bug68569-order-commits-on.yaml
check "2. the ALTER on the child waits behind the writers"                run scenarios/mdl/fk-alter-starvation.yaml
check "3. a long SELECT stalls FLUSH TABLES WITH READ LOCK and the writers" run scenarios/ftwrl/long-select-stall.yaml
check "4. redo spinning under a CFS quota: throttled, fewer TPS"          run scenarios/cpu/cfs-spin.yaml
check "4. InnoDB told the truth (n_cpu 1): no spinning"                   run scenarios/cpu/seed001-ncpu1.yaml
check "5. EFS: table 241 fails with error 168, 256 lock pairs"            run scenarios/files/efs-table-241.yaml
check "6. bug #46273's test case: the UPDATE is the deadlock victim"      mtr docs/workshop/mtr/t/bug46273.test --version 5.7 --result docs/workshop/mtr/r/bug46273.result
[ "$fails" -eq 0 ] && echo "all exercises check" || { echo "$fails exercise(s) failed"; exit 1; }
