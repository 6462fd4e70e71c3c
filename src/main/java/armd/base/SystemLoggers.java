package armd.base;

import java.text.MessageFormat;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * Routes {@link System.Logger} (armd's control socket, the JDK's HTTP server) to the process's {@link AgentLog}, so
 * the agent writes one format only. Found by the JDK through META-INF/services; the agent installs its log with
 * {@link #install}; until then (and in the command-line tools) warnings and errors go to standard error.
 */
public final class SystemLoggers extends System.LoggerFinder {
    private static volatile AgentLog log = new AgentLog("armd", System.err, AgentLog.Format.TIMESTAMPED,
        AgentLog.Level.WARNING, System::nanoTime);

    /** Makes {@code agentLog} the log of every System.Logger of this process. */
    public static void install(final AgentLog agentLog) {
        log = agentLog;
    }

    @Override
    public System.Logger getLogger(final String name, final Module module) {
        return new Bridge(name);
    }

    /** The level of a System.Logger level: TRACE and DEBUG are debug. */
    static AgentLog.Level level(final System.Logger.Level level) {
        return switch (level) {
            case ERROR -> AgentLog.Level.ERROR;
            case WARNING -> AgentLog.Level.WARNING;
            case INFO -> AgentLog.Level.INFO;
            case ALL, TRACE, DEBUG -> AgentLog.Level.DEBUG;
            case OFF -> null;
        };
    }

    private record Bridge(String name) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(final Level level) {
            final AgentLog.Level l = level(level);
            return l != null && log.enabled(l);
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String msg, final Throwable thrown) {
            if (!isLoggable(level)) {
                return;
            }
            final StringBuilder sb = new StringBuilder(name).append(": ").append(localized(bundle, msg));
            if (thrown != null) {
                // one line: the exception and where it came from (a stack trace would be many lines)
                sb.append(": ").append(thrown);
                final StackTraceElement[] frames = thrown.getStackTrace();
                for (int i = 0; i < Math.min(3, frames.length); i++) {
                    sb.append(i == 0 ? " at " : " < ").append(frames[i]);
                }
            }
            log.log(level(level), sb.toString());
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String format, final Object... params) {
            if (!isLoggable(level)) {
                return;
            }
            final String text = localized(bundle, format);
            log.log(level(level), name + ": " + (params == null || params.length == 0 ? text
                : MessageFormat.format(text, params)));
        }

        @Override
        public void log(final Level level, final Supplier<String> msgSupplier) {
            if (isLoggable(level)) {
                log.log(level(level), name + ": " + msgSupplier.get());
            }
        }

        private static String localized(final ResourceBundle bundle, final String key) {
            if (bundle != null && key != null && bundle.containsKey(key)) {
                return bundle.getString(key);
            }
            return String.valueOf(key);
        }
    }
}
