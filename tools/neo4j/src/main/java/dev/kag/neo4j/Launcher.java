package dev.kag.neo4j;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs a Neo4j Community DBMS with a Bolt connector, for tests, CI and benchmarks.
 *
 * <p>Protocol on stdout (and only this goes to stdout): one line {@code READY bolt://HOST:PORT} once
 * the default database is available, and one line {@code STOPPED} after a clean shutdown on
 * SIGTERM/SIGINT, after which the process exits with status 0. Everything else, including Neo4j's
 * own user log, goes to stderr. Startup failures print a line starting with {@code ERROR:} to
 * stderr and exit with status 1; bad arguments exit with status 2.
 */
public final class Launcher {

    private static final String USAGE =
            "usage: Launcher --data DIR [--port N (0 = any free port; default 7687)]"
                    + " [--listen ADDRESS (default 127.0.0.1)] [--pagecache SIZE (default 64m)]"
                    + " [--watch-stdin (shut down when stdin reaches EOF, i.e. the parent died)]";
    private static final Duration DATABASE_AVAILABLE_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(1);

    /** Set before System.exit on a failure, so the shutdown hook does not report a clean stop. */
    private static volatile int failureStatus = 0;

    private Launcher() {}

    /** Command-line options after parsing. */
    private record Options(Path data, int port, String listen, long pageCacheBytes, boolean watchStdin) {}

    /** Thrown for a bad command line; the message is shown with the usage line. */
    private static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        // The protocol lines need a stdout that nothing else writes to: Neo4j, log4j and netty
        // may print to System.out, so System.out is pointed at stderr for everybody else.
        PrintStream protocol =
                new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);

        Options options;
        try {
            options = parse(args);
        } catch (UsageException e) {
            System.err.println("ERROR: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        try {
            prepareDataDirectory(options.data());
        } catch (IOException e) {
            fail("data directory " + options.data() + " is not usable (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); pass --data with a directory this user can create and write", null);
            return;
        }

        AtomicReference<DatabaseManagementService> dbms = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(dbms, protocol, stopped), "kag-neo4j-stop"));

        if (options.watchStdin()) {
            watchStdin();
        }

        DatabaseManagementService service;
        try {
            service = start(options);
        } catch (RuntimeException e) {
            boolean portProblem = isBindFailure(e);
            fail(describeStartFailure(options, e, portProblem), portProblem ? null : e);
            return;
        }
        dbms.set(service);

        try {
            GraphDatabaseService db = service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            if (!db.isAvailable(DATABASE_AVAILABLE_TIMEOUT.toMillis())) {
                fail("default database '" + GraphDatabaseSettings.DEFAULT_DATABASE_NAME
                        + "' did not become available within " + DATABASE_AVAILABLE_TIMEOUT
                        + "; see " + options.data().resolve("logs/debug.log"), null);
                return;
            }
            HostnamePort bolt = ((GraphDatabaseAPI) db).getDependencyResolver()
                    .resolveDependency(ConnectorPortRegister.class)
                    .getLocalAddress(ConnectorType.BOLT);
            if (bolt == null) {
                fail("the Bolt connector did not register a listening address", null);
                return;
            }
            protocol.println("READY bolt://" + options.listen() + ":" + bolt.getPort());
            protocol.flush();
        } catch (RuntimeException e) {
            fail("Neo4j started but the default database could not be reached: " + rootMessage(e), e);
            return;
        }

        // Keep the JVM alive; the shutdown hook does the stopping and ends the process.
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A parent that keeps our stdin open and dies without stopping us (SIGKILL, a crashed test
     * runner) closes the pipe; the EOF then triggers the same clean shutdown as SIGTERM.
     */
    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // discard anything the parent writes
                }
            } catch (IOException e) {
                System.err.println("kag-neo4j: reading stdin failed: " + e.getMessage());
            }
            System.err.println("kag-neo4j: stdin closed (the parent process is gone); shutting down");
            System.exit(0);
        }, "kag-neo4j-stdin-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static DatabaseManagementService start(Options options) {
        return new DatabaseManagementServiceBuilder(options.data())
                .setUserLogProvider(new Log4jLogProvider(System.err, Level.INFO))
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, options.pageCacheBytes())
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Preallocating transaction logs costs hundreds of MB of disk per data directory.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.default_listen_address, new SocketAddress(options.listen()))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(options.listen(), options.port()))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(BoltConnector.server_bolt_telemetry_enabled, false)
                // Bolt otherwise waits 5 s for its connections and 5 s for its thread pool on
                // every shutdown, even with nothing connected: 10 s per test server stop.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, SHUTDOWN_WAIT)
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, SHUTDOWN_WAIT)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .build();
    }

    /** Runs in the shutdown hook (SIGTERM, SIGINT, or System.exit after a failure). */
    private static void stop(
            AtomicReference<DatabaseManagementService> dbms, PrintStream protocol, CountDownLatch stopped) {
        DatabaseManagementService service = dbms.getAndSet(null);
        if (service == null) {
            // Startup failed or had not finished; fail() already chose the exit status.
            stopped.countDown();
            return;
        }
        int status = failureStatus;
        try {
            System.err.println("kag-neo4j: shutting down");
            service.shutdown();
            if (status == 0) {
                protocol.println("STOPPED");
                protocol.flush();
            }
        } catch (RuntimeException e) {
            System.err.println("ERROR: clean shutdown failed: " + rootMessage(e));
            e.printStackTrace(System.err);
            status = 1;
        } finally {
            stopped.countDown();
        }
        System.err.flush();
        // A JVM ended by a signal exits with 128+signal even when its hooks succeed; a clean
        // shutdown reports 0 so callers can tell it apart from a crash.
        Runtime.getRuntime().halt(status);
    }

    private static void fail(String message, Throwable cause) {
        failureStatus = 1;
        System.err.println("ERROR: " + message);
        if (cause != null) {
            cause.printStackTrace(System.err);
        }
        System.err.flush();
        System.exit(1);
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static String describeStartFailure(Options options, Throwable e, boolean portProblem) {
        if (portProblem) {
            return "cannot listen for Bolt on " + options.listen() + ":" + options.port() + " (" + rootMessage(e)
                    + "); the port is in use or the address is not local. Pass another --port, or 0 for any free port";
        }
        return "Neo4j failed to start: " + rootMessage(e) + " (see " + options.data().resolve("logs/debug.log") + ")";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static void prepareDataDirectory(Path data) throws IOException {
        Files.createDirectories(data);
        if (!Files.isDirectory(data)) {
            throw new IOException("not a directory");
        }
        if (!Files.isWritable(data)) {
            throw new IOException("not writable");
        }
    }

    private static Options parse(String[] args) throws UsageException {
        Path data = null;
        int port = BoltConnector.DEFAULT_PORT;
        String listen = "127.0.0.1";
        long pageCache = ByteUnit.mebiBytes(64);
        boolean watchStdin = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new UsageException("help requested");
            }
            if (arg.equals("--watch-stdin")) {
                watchStdin = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new UsageException("missing value after " + arg);
            }
            String value = args[++i];
            switch (arg) {
                case "--data" -> data = Path.of(value).toAbsolutePath().normalize();
                case "--port" -> port = parsePort(value);
                case "--listen" -> listen = value;
                case "--pagecache" -> pageCache = parseSize(value);
                default -> throw new UsageException("unknown option " + arg);
            }
        }
        if (data == null) {
            throw new UsageException("--data DIR is required");
        }
        return new Options(data, port, listen, pageCache, watchStdin);
    }

    private static int parsePort(String value) throws UsageException {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new UsageException("--port must be 0..65535, got " + value);
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException("--port must be a number, got '" + value + "'");
        }
    }

    private static long parseSize(String value) throws UsageException {
        try {
            long bytes = ByteUnit.parse(value);
            if (bytes <= 0) {
                throw new UsageException("--pagecache must be positive, got " + value);
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new UsageException("--pagecache must be a size such as 64m or 1g, got '" + value + "'");
        }
    }
}
