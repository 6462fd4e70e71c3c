package armd.cli;

import armd.base.OperatorException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small command-line parser: {@code --name value}, {@code --name=value}, boolean {@code --flag}, and
 * positionals. Options must be declared; an unknown one is a usage error naming it.
 */
public final class Args {
    private final List<String> positionals = new ArrayList<>();
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Args() {
    }

    /**
     * Parses {@code argv}. {@code valueOptions} take a value; {@code flagOptions} do not. Names are given
     * without the leading dashes.
     */
    public static Args parse(final String[] argv, final Set<String> valueOptions, final Set<String> flagOptions) {
        final Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            final String s = argv[i];
            if (s.equals("--")) {
                for (int j = i + 1; j < argv.length; j++) {
                    a.positionals.add(argv[j]);
                }
                break;
            }
            if (s.startsWith("--") && s.length() > 2) {
                final int eq = s.indexOf('=');
                final String name = eq < 0 ? s.substring(2) : s.substring(2, eq);
                if (valueOptions.contains(name)) {
                    final String v;
                    if (eq >= 0) {
                        v = s.substring(eq + 1);
                    } else if (i + 1 < argv.length) {
                        v = argv[++i];
                    } else {
                        throw OperatorException.usage("option --" + name + " needs a value");
                    }
                    a.values.put(name, v);
                } else if (flagOptions.contains(name) && eq < 0) {
                    a.flags.add(name);
                } else {
                    throw OperatorException.usage("unknown option " + s);
                }
            } else {
                a.positionals.add(s);
            }
        }
        return a;
    }

    /** The positional arguments in order. */
    public List<String> positionals() {
        return positionals;
    }

    /** The i-th positional, or a usage error saying what {@code what} is missing. */
    public String positional(final int i, final String what) {
        if (i >= positionals.size()) {
            throw OperatorException.usage("missing " + what);
        }
        return positionals.get(i);
    }

    /** Fails when there are more than {@code max} positionals. */
    public Args maxPositionals(final int max) {
        if (positionals.size() > max) {
            throw OperatorException.usage("unexpected argument '" + positionals.get(max) + "'");
        }
        return this;
    }

    /** Whether {@code --name} was given. */
    public boolean flag(final String name) {
        return flags.contains(name);
    }

    /** The value of {@code --name}, or {@code null}. */
    public String value(final String name) {
        return values.get(name);
    }

    /** The value of {@code --name}, or {@code def}. */
    public String value(final String name, final String def) {
        return values.getOrDefault(name, def);
    }

    /** The value of {@code --name} as an int within [min, max], or {@code def}. */
    public int intValue(final String name, final int def, final int min, final int max) {
        final String v = values.get(name);
        if (v == null) {
            return def;
        }
        final int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw OperatorException.usage("--" + name + " takes a whole number, not '" + v + "'");
        }
        if (n < min || n > max) {
            throw OperatorException.usage("--" + name + " must be between " + min + " and " + max + ", not " + n);
        }
        return n;
    }

    /** The value of {@code --name} that must be present. */
    public String required(final String name) {
        final String v = values.get(name);
        if (v == null) {
            throw OperatorException.usage("missing --" + name);
        }
        return v;
    }
}
