package io.signstream.stream.worker;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The header a worker puts on every record it writes (explanations and its dead letters), naming
 * the process and worker instance that computed it.
 *
 * <p>Why a header and not a schema field: it is operational data (which replica did the work, for
 * scale-out checks and for tracing a bad map back to a host), and adding it keeps the Avro records
 * that downstream consumers depend on unchanged.
 */
public final class WorkerHeaders {

  /** Header name; its value is UTF-8 {@code <pid>@<host>/<instance id>}. */
  public static final String WORKER = "signstream.worker";

  private WorkerHeaders() {}

  /** {@code <pid>@<host>/<instanceId>} for this process. */
  public static String identity(String instanceId) {
    return ProcessHandle.current().pid() + "@" + host() + "/" + instanceId;
  }

  /** The header list for records written by {@code instanceId}. */
  static List<Header> of(String instanceId) {
    return List.of(new RecordHeader(WORKER, identity(instanceId).getBytes(StandardCharsets.UTF_8)));
  }

  /** The process id part of a header value, or -1 if it has none. */
  public static long pidOf(String identity) {
    int at = identity == null ? -1 : identity.indexOf('@');
    try {
      return at <= 0 ? -1 : Long.parseLong(identity.substring(0, at));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String host() {
    String host = System.getenv("HOSTNAME"); // containers set it to the container id: cheap and distinct per replica
    if (host != null && !host.isBlank()) {
      return host;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown-host";
    }
  }
}
