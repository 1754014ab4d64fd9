#!/bin/bash
# stas-vm-world: trixie
# stas-vm-timeout: 600
# tls.sh - NVMe/TCP TLS (TP8011) against Debian 13's 6.12 kernel, nvmet
# ports with addr_tsas=tls1.3 and tlshd (ktls-utils) doing the handshakes.
# stafd reaches its discovery controller over TLS (tls=true in stafd.conf;
# the PSK for the discovery NQN is in the .nvme keyring), and a DC that a
# plain DC refers to with TREQ required over TLS as well; stacd connects a
# log-page subsystem with TLS because its entry's TREQ/SECTYPE say so (also
# one the referred DC lists), one
# from stacd.conf with tls=true, and one with a PSK in interchange format
# (tls-key=NVMeTLSkey-1:...) that stas puts in the keyring itself. A plain
# subsystem on a plain port stays plain. Status shows TLS and the key's
# serial, never the key.
# (wait_for's single-quoted conditions are eval'ed later, on purpose)
# shellcheck disable=SC2016
set -euo pipefail
# shellcheck source=../guest/lib.sh
. "${BASH_SOURCE[0]%/*}/../guest/lib.sh"
# shellcheck source=../guest/stas.sh
. "${BASH_SOURCE[0]%/*}/../guest/stas.sh"

T=$TMPDIR
SUBT=nqn.2024-01.io.example:tls-logpage
SUBC=nqn.2024-01.io.example:tls-config
SUBK=nqn.2024-01.io.example:tls-psk
SUBP=nqn.2024-01.io.example:plain
SUBR=nqn.2024-01.io.example:tls-referred

# gen_psk NQN [--insert]: a PSK for this host and NQN in interchange format;
# with --insert also in the .nvme keyring (identity version 0, what the
# kernel looks up)
gen_psk() {
    nvme gen-tls-key --hostnqn="$HOSTNQN" --subsysnqn="$1" --hmac=1 --identity=0 ${2:+"$2"} 2>/dev/null |
        grep -o 'NVMeTLSkey-1:[^ ]*' | head -1
}
tls_of() { ctrl_attr "$1" tls_key 2>/dev/null; }

section "0. the trixie world can do TLS"
modprobe -a tls nvme-tcp nvmet-tcp
check "the kernel offers the tls connect option" grep -q ',tls' /dev/nvme-fabrics
printf '%s\n' '[debug]' 'loglevel=0' '[authenticate]' 'keyrings=.nvme' >/etc/tlshd.conf
tlshd -s >"$T/tlshd.log" 2>&1 &
on_exit "kill $!"
check "tlshd runs" wait_for 10 'pgrep -x tlshd >/dev/null'

# port 1: TLS (127.0.0.1:4420, TREQ required, SECTYPE TLS 1.3); port 2: plain
# (4421); port 3: TLS (4430), known only by a referral of port 2 that says
# TREQ required
nvmet_port 1 127.0.0.1 4420
_vm_write "$NVMET_CFS/ports/1/addr_tsas" tls1.3
nvmet_port 2 127.0.0.1 4421
nvmet_port 3 127.0.0.1 4430
_vm_write "$NVMET_CFS/ports/3/addr_tsas" tls1.3
for s in "$SUBT" "$SUBC" "$SUBK"; do
    nvmet_subsys "$s" 16
    nvmet_link "$s" 1
done
nvmet_subsys "$SUBP" 16
nvmet_link "$SUBP" 2
nvmet_subsys "$SUBR" 16
nvmet_link "$SUBR" 3
R=$NVMET_CFS/ports/2/referrals/tls-dc
${BB:+$BB }mkdir -p "$R"
_vm_write "$R/addr_trtype" tcp
_vm_write "$R/addr_adrfam" ipv4
_vm_write "$R/addr_traddr" 127.0.0.1
_vm_write "$R/addr_trsvcid" 4430
_vm_write "$R/addr_treq" required
_vm_write "$R/enable" 1
check "a PSK for the discovery NQN is inserted" test -n "$(gen_psk "$WKNQN" --insert)"
check "one for $SUBT" test -n "$(gen_psk "$SUBT" --insert)"
check "one for $SUBC" test -n "$(gen_psk "$SUBC" --insert)"
check "one for $SUBR" test -n "$(gen_psk "$SUBR" --insert)"
PSK=$(gen_psk "$SUBK") # not inserted: stas does it
check "and one for $SUBK that only stacd.conf has" test -n "$PSK"
log "the .nvme keyring: $(keyctl show %:.nvme 2>/dev/null | tail -n +2 | wc -l) keys"
check "nvme-cli connects to the TLS port with --tls (the world works)" \
    nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$SUBT" --tls
disconnect_all 20 || true
check "and without TLS the kernel is refused" not nvme connect -t tcp -a 127.0.0.1 -s 4420 -n "$SUBT"
disconnect_all 20 || true

section "1. stafd: discovery over TLS, from stafd.conf"
stas_bus_setup
printf '%s\n' '[Global]' 'tron = true' '[Controllers]' \
    'controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;tls=true' \
    'controller = transport=tcp;traddr=127.0.0.1;trsvcid=4421' >/etc/stas/stafd.conf
printf '%s\n' '[Global]' 'tron = true' '[Controllers]' \
    "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=$SUBC;tls=true" \
    "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=$SUBK;tls-key=$PSK" >/etc/stas/stacd.conf
check "stafd starts" stafd_start "$T/stafd.log"
check "its DC on the TLS port connects" wait_for 60 'test -n "$(dc_dev 4420)"'
DC=$(dc_dev 4420)
check "over TLS: the kernel shows its PSK ($DC)" test -n "$(tls_of "$DC")"
check "the plain DC connects without TLS" wait_for 60 'test -n "$(dc_dev 4421)"'
check "and has no PSK" test -z "$(tls_of "$(dc_dev 4421)")"
check "the TLS DC's log page lists $SUBT" wait_for 30 'staf_dlp 4420 | grep -q "$SUBT"'
check "the referral (TREQ required) is reached over TLS too" wait_for 60 'test -n "$(dc_dev 4430)"'
check "its DC has a PSK" test -n "$(tls_of "$(dc_dev 4430)")"
dlp_sectype() { staf get_log_pages tcp 127.0.0.1 4420 "$WKNQN" '' '' "$HOSTNQN" | grep -q "'sectype': 'tls1.3'"; }
check "with its SECTYPE" dlp_sectype
"$STAFCTL" status >"$T/staf-status.txt" 2>&1 || true
check "stafctl status says the DC is TLS, with which key" \
    grep -q "'tls.key-serial': '0x$(tls_of "$DC")'" "$T/staf-status.txt"

section "2. stacd: TLS from the log page's TREQ/SECTYPE and from stacd.conf"
check "stacd starts" stacd_start "$T/stacd.log"
for s in "$SUBT" "$SUBC" "$SUBK" "$SUBR" "$SUBP"; do
    check "$s connects" wait_for 90 has_ioc "$s"
done
for s in "$SUBT" "$SUBC" "$SUBK" "$SUBR"; do
    d=$(ioc_devs "$s" | head -1)
    check "$s ($d) is TLS" test -n "$(tls_of "$d")"
done
check "$SUBP (plain port, plain entry) is not" test -z "$(tls_of "$(ioc_devs "$SUBP" | head -1)")"
check "stas put the configured PSK in the .nvme keyring" \
    bash -c "keyctl show %:.nvme 2>/dev/null | grep -q 'NVMe0R01 $HOSTNQN $SUBK'"
"$STACCTL" status >"$T/stac-status.txt" 2>&1 || true
DK=$(ioc_devs "$SUBK" | head -1)
check "stacctl status says $SUBK is TLS and names its key" grep -q "'tls.key-serial': '0x$(tls_of "$DK")'" "$T/stac-status.txt"
b=${PSK:16:20}
check "the PSK is in no log, tracing on" not grep -qF "$b" "$T/stacd.log" "$T/stafd.log"
check "nor in stacctl status for a non-root caller" \
    not bash -c "setpriv --reuid=65534 --regid=65534 --clear-groups '$STACCTL' status 2>&1 | grep -qF '$b'"

section "3. a TLS wish the fabric cannot meet is an error, not a plain connection"
printf '%s\n' '[Global]' 'tron = true' '[Controllers]' \
    "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=$SUBC;tls=true" \
    "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4420;nqn=$SUBK;tls-key=$PSK" \
    "controller = transport=tcp;traddr=127.0.0.1;trsvcid=4421;nqn=$SUBP-x;tls-key=NVMeTLSkey-1:01:garbage:" \
    >/etc/stas/stacd.conf
stacd_reload
check "a malformed tls-key is refused with a reason" \
    wait_for 60 'grep -q "tls-key is not a usable PSK in interchange format" "$T/stacd.log"'
check "the TLS controllers stay" test -n "$(ioc_devs "$SUBC")" -a -n "$(ioc_devs "$SUBK")"

stacd_stop TERM || true
stafd_stop TERM || true
summary
