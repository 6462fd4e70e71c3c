package armd.control;

import armd.wire.ControlCodec;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One control request, typed: the agent switches over these exhaustively. {@link #of} builds one from a
 * decoded message and {@link #toMessage} encodes it (the Java client); both check the same limits.
 */
public sealed interface ControlRequest {
    /** The largest pid Linux hands out (PID_MAX_LIMIT, include/linux/threads.h). */
    int PID_MAX = 4_194_304;

    /** The wire type (ARM_REQ_* in arm_protocol.h). */
    default int type() {
        return switch (this) {
            case ClusterStart _ -> ControlCodec.REQ_CLUSTER_START;
            case ClusterShutdown _ -> ControlCodec.REQ_CLUSTER_SHUTDOWN;
            case ServerShutdown _ -> ControlCodec.REQ_SERVER_SHUTDOWN;
            case ServerLeave _ -> ControlCodec.REQ_SERVER_LEAVE;
            case ServerReturn _ -> ControlCodec.REQ_SERVER_RETURN;
            case GroupStart _ -> ControlCodec.REQ_GROUP_START;
            case GroupStop _ -> ControlCodec.REQ_GROUP_STOP;
            case GroupMove _ -> ControlCodec.REQ_GROUP_MOVE;
            case GroupFailover _ -> ControlCodec.REQ_GROUP_FAILOVER;
            case Status _ -> ControlCodec.REQ_STATUS;
            case Log _ -> ControlCodec.REQ_LOG;
            case Load _ -> ControlCodec.REQ_LOAD;
            case Kill _ -> ControlCodec.REQ_KILL;
            case Down _ -> ControlCodec.REQ_DOWN;
            case ListMounts _ -> ControlCodec.REQ_LSMNT;
            case Super _ -> ControlCodec.REQ_SUPER;
        };
    }

    /** The wire fields in order, as {@link #of} reads them back. */
    default List<String> fields() {
        return switch (this) {
            case ClusterStart _, ClusterShutdown _, Status _, Down _ -> List.of();
            case ServerShutdown r -> List.of(r.server().orElse(""));
            case ServerLeave r -> List.of(r.server().orElse(""));
            case ServerReturn r -> List.of(r.server().orElse(""));
            case GroupStart r -> List.of(r.group(), r.server().orElse(""));
            case GroupStop r -> List.of(r.group());
            case GroupMove r -> List.of(r.group(), r.server().orElse(""));
            case GroupFailover r -> List.of(r.group());
            case Log r -> List.of(r.group().orElse(""), r.script().orElse(""), r.message());
            case Load r -> List.of(r.group(), r.id(), Integer.toString(r.pid()), r.action().word(),
                Integer.toString(r.restarts()), Integer.toString(r.waitSec()), r.command());
            case Kill r -> List.of(r.group(), r.id(), Integer.toString(r.timeoutMs()));
            case ListMounts r -> List.of(r.group());
            case Super r -> List.of(r.action(), r.argument());
        };
    }

    /** The wire flags. */
    default int flags() {
        return 0;
    }

    /** Encodes this request as a protocol message. */
    default ControlCodec.Message toMessage() {
        return new ControlCodec.Message(type(), flags(), 0, fields());
    }

    /** Start the cluster (every server's groups by their policies). */
    record ClusterStart() implements ControlRequest {
    }

    /** Shut the whole cluster down (ARMS_FACTOR CLUSTERSHUTDOWN). */
    record ClusterShutdown() implements ControlRequest {
    }

    /** Shut a server down as a cluster member (SERVERSHUTDOWN); empty = this server. */
    record ServerShutdown(Optional<String> server) implements ControlRequest {
    }

    /** Cut a server off from the cluster (CLUSTERLEAVE); empty = this server. */
    record ServerLeave(Optional<String> server) implements ControlRequest {
    }

    /** Return a server to the cluster (RECOVER runs); empty = this server. */
    record ServerReturn(Optional<String> server) implements ControlRequest {
    }

    /** Start a group, on {@code server} or (empty) by its policy. */
    record GroupStart(String group, Optional<String> server) implements ControlRequest {
    }

    /** Stop a group (GROUPSTOP). */
    record GroupStop(String group) implements ControlRequest {
    }

    /** Move a group (GROUPMOVE) to {@code server} or (empty) to the next server of its policy. */
    record GroupMove(String group, Optional<String> server) implements ControlRequest {
    }

    /** Fail a group over to the next server of its policy (armfover GROUP; GROUPFAILOVER). */
    record GroupFailover(String group) implements ControlRequest {
    }

    /** Servers and groups, as text or (json) one JSON object. */
    record Status(boolean json) implements ControlRequest {
        @Override
        public int flags() {
            return json ? ControlCodec.FLAG_JSON : 0;
        }
    }

    /** A line for the agent's log (armlog), naming the group and script (start or stop) when known. */
    record Log(Optional<String> group, Optional<String> script, String message) implements ControlRequest {
    }

    /** What the agent does when a watched process disappears and the in-place restarts are used up. */
    enum LoadAction {
        /** Fail the group over (stop GROUPFAILOVER, RECOVER here, FAILOVER on the next server). */
        FAILOVER,
        /** Restart the group on this server (stop GROUPRESTART, then RECOVER, then START). */
        RESTART;

        /** The wire word. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Watch process {@code pid} (started by armload) for group {@code group} under the name {@code id};
     * when it disappears restart in place up to {@code restarts} times, {@code waitSec} apart, then act.
     */
    record Load(String group, String id, int pid, LoadAction action, int restarts, int waitSec, String command)
        implements ControlRequest {
    }

    /** Stop the process watched as {@code id} in {@code group}: SIGTERM, up to {@code timeoutMs}, SIGKILL. */
    record Kill(String group, String id, int timeoutMs) implements ControlRequest {
    }

    /** Shut this server down as a cluster member so that its groups fail over (armdown). */
    record Down() implements ControlRequest {
    }

    /** The mount points of the group's disk resources, one a line (armlsmnt). */
    record ListMounts(String group) implements ControlRequest {
    }

    /**
     * The super cluster (armconf): {@code push} the configuration file {@code argument} (an absolute path on this
     * server) to the management server, {@code force-return} this master server, or {@code apply} the fetched
     * version that waits for a request.
     */
    record Super(String action, String argument) implements ControlRequest {
    }

    /** A request the agent cannot act on: the message names the field and what is wrong (status USAGE). */
    final class InvalidException extends Exception {
        private static final long serialVersionUID = 1L;

        /** One line. */
        public InvalidException(final String message) {
            super(message);
        }
    }

    /** The typed request of a decoded message (its type and field count already checked by the codec). */
    static ControlRequest of(final ControlCodec.Message m) throws InvalidException {
        final List<String> f = m.fields();
        return switch (m.type()) {
            case ControlCodec.REQ_CLUSTER_START -> new ClusterStart();
            case ControlCodec.REQ_CLUSTER_SHUTDOWN -> new ClusterShutdown();
            case ControlCodec.REQ_SERVER_SHUTDOWN -> new ServerShutdown(optionalName(f.get(0), "server"));
            case ControlCodec.REQ_SERVER_LEAVE -> new ServerLeave(optionalName(f.get(0), "server"));
            case ControlCodec.REQ_SERVER_RETURN -> new ServerReturn(optionalName(f.get(0), "server"));
            case ControlCodec.REQ_GROUP_START -> new GroupStart(name(f.get(0), "group"),
                optionalName(f.get(1), "server"));
            case ControlCodec.REQ_GROUP_STOP -> new GroupStop(name(f.get(0), "group"));
            case ControlCodec.REQ_GROUP_MOVE -> new GroupMove(name(f.get(0), "group"),
                optionalName(f.get(1), "server"));
            case ControlCodec.REQ_GROUP_FAILOVER -> new GroupFailover(name(f.get(0), "group"));
            case ControlCodec.REQ_STATUS -> new Status((m.flags() & ControlCodec.FLAG_JSON) != 0);
            case ControlCodec.REQ_LOG -> new Log(optionalName(f.get(0), "group"), script(f.get(1)), f.get(2));
            case ControlCodec.REQ_LOAD -> new Load(name(f.get(0), "group"), name(f.get(1), "id"),
                number(f.get(2), "pid", 1, PID_MAX), action(f.get(3)), number(f.get(4), "restarts", 0, 1000),
                number(f.get(5), "wait", 0, 86_400), f.get(6));
            case ControlCodec.REQ_KILL -> new Kill(name(f.get(0), "group"), name(f.get(1), "id"),
                number(f.get(2), "timeout", 0, 3_600_000));
            case ControlCodec.REQ_DOWN -> new Down();
            case ControlCodec.REQ_LSMNT -> new ListMounts(name(f.get(0), "group"));
            case ControlCodec.REQ_SUPER -> superRequest(f.get(0), f.get(1));
            default -> throw new InvalidException(String.format("not a request type: 0x%04x", m.type()));
        };
    }

    private static String name(final String s, final String what) throws InvalidException {
        if (s.isEmpty()) {
            throw new InvalidException("empty " + what + " name");
        }
        if (s.length() > 255) {
            throw new InvalidException(what + " name longer than 255 characters");
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i)) || Character.isWhitespace(s.charAt(i))) {
                throw new InvalidException(what + " name " + quoted(s) + " contains a space or control character");
            }
        }
        return s;
    }

    /**
     * {@code s} in quotes for a one-line reply: control characters escaped (a newline would split the reply the
     * client prints, an escape sequence would rewrite its terminal), at most 64 characters shown.
     */
    static String quoted(final String s) {
        final StringBuilder b = new StringBuilder("'");
        final int shown = Math.min(s.length(), 64);
        for (int i = 0; i < shown; i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append(shown < s.length() ? "'..." : "'").toString();
    }

    private static Optional<String> optionalName(final String s, final String what) throws InvalidException {
        return s.isEmpty() ? Optional.empty() : Optional.of(name(s, what));
    }

    private static Super superRequest(final String action, final String argument) throws InvalidException {
        return switch (action) {
            case "push" -> {
                if (!argument.startsWith("/") || argument.length() > 4095 || argument.chars()
                    .anyMatch(c -> Character.isISOControl(c))) {
                    throw new InvalidException("push takes an absolute file path, not " + quoted(argument));
                }
                yield new Super(action, argument);
            }
            case "force-return", "apply" -> {
                if (!argument.isEmpty()) {
                    throw new InvalidException(action + " takes no argument");
                }
                yield new Super(action, argument);
            }
            default -> throw new InvalidException("super cluster action must be push, force-return or apply, not "
                + quoted(action));
        };
    }

    private static Optional<String> script(final String s) throws InvalidException {
        return switch (s) {
            case "" -> Optional.empty();
            case "start", "stop" -> Optional.of(s);
            default -> throw new InvalidException("script must be start, stop or empty, not " + quoted(s));
        };
    }

    private static LoadAction action(final String s) throws InvalidException {
        return switch (s) {
            case "failover" -> LoadAction.FAILOVER;
            case "restart" -> LoadAction.RESTART;
            default -> throw new InvalidException("action must be failover or restart, not " + quoted(s));
        };
    }

    private static int number(final String s, final String what, final int min, final int max)
        throws InvalidException {
        Objects.requireNonNull(s);
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidException(what + " must be a whole number, not " + quoted(s));
        }
        final long n = Long.parseLong(s);
        if (n < min || n > max) {
            throw new InvalidException(what + " must be between " + min + " and " + max + ", not " + n);
        }
        return (int) n;
    }
}
