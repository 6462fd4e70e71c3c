package armd;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the house, kept by a test: every package depends only on the packages below it (no cycle), and
 * only {@code armd.sys} touches the FFM API. A new dependency that points up fails here; move the type it needs
 * down (values and interfaces belong to the side that uses them) rather than adding an exception.
 *
 * <p>From the bottom: {@code wire}, {@code membership}, {@code state}, {@code base} depend on nothing of
 * armd; {@code sys} only on the codecs; the decision core ({@code cluster}) only on membership; then
 * configuration values, probes, heartbeats, the control socket; then scripts ({@code action}), resources and
 * monitors; then the super cluster's core ({@code supercluster}); then the agent; the command line on top.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("armd");
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching("armd.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void dependenciesPointDown() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("main").definedBy("armd")
            .layer("cli").definedBy("armd.cli..")
            .layer("agent").definedBy("armd.agent..")
            .layer("supercluster").definedBy("armd.supercluster..")
            .layer("status").definedBy("armd.status..")
            .layer("monitor").definedBy("armd.monitor..")
            .layer("resource").definedBy("armd.resource..")
            .layer("action").definedBy("armd.action..")
            .layer("control").definedBy("armd.control..")
            .layer("heartbeat").definedBy("armd.heartbeat..")
            .layer("probe").definedBy("armd.probe..")
            .layer("config").definedBy("armd.config..")
            .layer("cluster").definedBy("armd.cluster..")
            .layer("membership").definedBy("armd.membership..")
            .layer("state").definedBy("armd.state..")
            .layer("sys").definedBy("armd.sys..")
            .layer("wire").definedBy("armd.wire..")
            .layer("base").definedBy("armd.base..")
            .whereLayer("main").mayNotBeAccessedByAnyLayer()
            .whereLayer("cli").mayOnlyBeAccessedByLayers("main")
            .whereLayer("agent").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("supercluster").mayOnlyBeAccessedByLayers("cli", "agent")
            .whereLayer("status").mayOnlyBeAccessedByLayers("cli", "agent")
            .whereLayer("monitor").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("resource").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("action").mayOnlyBeAccessedByLayers("cli", "agent", "monitor", "resource")
            .whereLayer("control").mayOnlyBeAccessedByLayers("cli", "agent")
            .whereLayer("heartbeat").mayOnlyBeAccessedByLayers("cli", "agent")
            .whereLayer("probe").mayOnlyBeAccessedByLayers("cli", "agent", "monitor", "resource")
            .whereLayer("config").mayOnlyBeAccessedByLayers("cli", "agent", "monitor", "resource", "action",
                "supercluster")
            .whereLayer("cluster").mayOnlyBeAccessedByLayers("cli", "agent", "monitor", "resource", "action",
                "config")
            .whereLayer("membership").mayOnlyBeAccessedByLayers("cli", "agent", "cluster")
            .whereLayer("state").mayOnlyBeAccessedByLayers("cli", "agent", "supercluster")
            .whereLayer("sys").mayOnlyBeAccessedByLayers("main", "cli", "agent", "supercluster", "monitor", "resource",
                "action", "control", "heartbeat", "probe", "config")
            .check(classes);
    }

    @Test
    void onlySysTouchesForeignMemory() {
        noClasses().that().resideOutsideOfPackage("armd.sys..").should().dependOnClassesThat()
            .resideInAPackage("java.lang.foreign..").check(classes);
    }
}
