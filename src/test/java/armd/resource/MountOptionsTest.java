package armd.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;

import armd.sys.mount.Mount;

import org.junit.jupiter.api.Test;

class MountOptionsTest {
    @Test
    void genericOptionsBecomeFlagsAndTheRestIsData() {
        assertEquals(new MountOptions(0, ""), MountOptions.parse(""));
        assertEquals(new MountOptions(0, ""), MountOptions.parse("defaults,nofail,_netdev"));
        assertEquals(new MountOptions(Mount.MS_RDONLY | Mount.MS_NOATIME | Mount.MS_NODEV,
            "data=ordered,errors=remount-ro"), MountOptions.parse("ro,noatime,data=ordered,nodev,errors=remount-ro"));
        assertEquals(new MountOptions(Mount.MS_NOSUID, ""), MountOptions.parse("ro,nosuid,rw"));
        assertEquals(new MountOptions(Mount.MS_SYNCHRONOUS | Mount.MS_DIRSYNC | Mount.MS_NOEXEC, ""),
            MountOptions.parse("sync,dirsync,noexec"));
    }

    @Test
    void flagValuesMatchLinuxMountH() {
        assertEquals(1, Mount.MS_RDONLY);
        assertEquals(1024, Mount.MS_NOATIME);
        assertEquals(0x200000, Mount.MS_RELATIME);
        assertEquals(0x2000000, Mount.MS_LAZYTIME);
        assertEquals(2, Mount.MNT_DETACH);
        assertEquals(8, Mount.UMOUNT_NOFOLLOW);
    }
}
