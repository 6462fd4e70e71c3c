package armd.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class MountTableTest {
    /** Lines as the kernel writes them (proc(5)), optional fields and an escaped space included. */
    private static final String MOUNTINFO = """
        22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
        35 22 0:31 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
        90 22 7:0 / /srv/A rw,noatime - ext4 /dev/loop0 rw
        91 22 0:52 / /srv/my\\040share rw,relatime shared:40 master:2 - nfs4 192.0.2.50:/export/A rw,vers=4.2
        92 90 7:1 / /srv/A rw - xfs /dev/loop1 rw
        not a mountinfo line
        """;

    @Test
    void findsTheTopmostMountOnAPoint() {
        final MountTable t = MountTable.parse(MOUNTINFO);
        assertEquals(5, t.entries().size());
        assertEquals(new MountTable.Entry("/", "ext4", "/dev/vda1"), t.at("/"));
        assertEquals(new MountTable.Entry("/srv/A", "xfs", "/dev/loop1"), t.at("/srv/A"));
        assertEquals(new MountTable.Entry("/srv/my share", "nfs4", "192.0.2.50:/export/A"), t.at("/srv/my share"));
        assertNull(t.at("/srv/B"));
    }

    @Test
    void octalEscapesAreDecoded() {
        assertEquals("a b\tc\\d", MountTable.unescape("a\\040b\\011c\\134d"));
        assertEquals("plain", MountTable.unescape("plain"));
        assertEquals("\\04", MountTable.unescape("\\04"));
    }
}
