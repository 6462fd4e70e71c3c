#!/bin/busybox sh
# PID 1 of the SCSI and NFS test guest (packed into the initramfs by scripts/vm/image). Loads the virtio, SCSI,
# 9p, veth and NFS modules, mounts the host's root file system read-only over 9p at /newroot with proc, sys, dev
# and a writable tmp inside, and runs the host's script named by armd.run= on the kernel command line chrooted
# into it. The last console line is "ARMD-VM-EXIT <code>" (the script's exit code, 124 when armd.deadline=
# seconds passed), then the guest powers off, which ends qemu.
/bin/busybox --install -s
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
run=
deadline=600
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    armd.run=*) run=${arg#armd.run=} ;;
    armd.deadline=*) deadline=${arg#armd.deadline=} ;;
  esac
done
finish() {
  echo "ARMD-VM-EXIT $1"
  sync
  poweroff -f
  reboot -f
}
kver=$(uname -r)
for rel in $(cat /etc/modules.load); do
  insmod "/lib/modules/$kver/$rel" || echo "armd-vm: insmod $rel failed"
done
for m in $(cat /etc/modules.probe); do
  modprobe "$m" || echo "armd-vm: modprobe $m failed"
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /newroot; then
  echo "armd-vm: cannot mount the host root over 9p"
  finish 125
fi
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
# the writable tmp hides the host's /tmp: a project that lives there (a CI clone in /tmp/x) is bound back in
case "$run" in
  /tmp/?*)
    top=${run#/tmp/}
    top=${top%%/*}
    mkdir -p /hosttmp
    mount -o bind /newroot/tmp /hosttmp
    ;;
  *) top= ;;
esac
mount -t tmpfs -o mode=1777 tmp /newroot/tmp
if [ -n "$top" ]; then
  mkdir -p "/newroot/tmp/$top"
  mount -o bind "/hosttmp/$top" "/newroot/tmp/$top" || echo "armd-vm: cannot bind /tmp/$top into the guest"
fi
# the host has no modules for this kernel: the guest's tools (busybox insmod/rmmod), scsi_debug and LIO's
# modules (configfs, target_core_mod, target_core_file, tcm_loop) live here
mkdir -p /newroot/tmp/vm
cp /bin/busybox /newroot/tmp/vm/busybox
for m in scsi_debug configfs target_core_mod target_core_file tcm_loop; do
  cp "$(find /lib/modules/$kver -name "$m.ko*" | head -n 1)" /newroot/tmp/vm/
done
if [ -z "$run" ]; then
  echo "armd-vm: no armd.run= on the kernel command line"
  finish 125
fi
chroot /newroot /bin/sh "$run" </dev/null &
child=$!
( sleep "$deadline"; echo "armd-vm: deadline of $deadline s passed, stopping $run"; kill -9 $child ) &
watchdog=$!
wait $child
rc=$?
kill $watchdog 2>/dev/null
[ $rc -eq 137 ] && rc=124
finish $rc
