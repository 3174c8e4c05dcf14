import javax.management.*;
import javax.management.remote.*;
import java.util.*;
/** java BrokerTime.java PORT SECONDS: per request type, requests/s and handler-thread ms/s (LocalTimeMs) */
public class BrokerTime {
  public static void main(String[] a) throws Exception {
    var c = JMXConnectorFactory.connect(new JMXServiceURL("service:jmx:rmi:///jndi/rmi://localhost:" + a[0] + "/jmxrmi"));
    var s = c.getMBeanServerConnection();
    var q = new ObjectName("kafka.network:type=RequestMetrics,name=LocalTimeMs,*");
    Map<String, double[]> before = snap(s, q);
    long t0 = System.nanoTime();
    Thread.sleep(Long.parseLong(a[1]) * 1000);
    Map<String, double[]> after = snap(s, q);
    double dt = (System.nanoTime() - t0) / 1e9;
    List<String[]> rows = new ArrayList<>();
    after.forEach((k, v) -> {
      double[] b = before.getOrDefault(k, new double[2]);
      double n = (v[0] - b[0]) / dt, ms = (v[1] - b[1]) / dt;
      if (n > 0.5) rows.add(new String[] {String.format("%8.1f req/s %7.1f ms/s local %6.3f ms/req", n, ms, ms / n), k});
    });
    rows.sort(Comparator.comparing(r -> r[0]));
    Collections.reverse(rows);
    rows.forEach(r -> System.out.println(r[0] + "  " + r[1]));
  }
  static Map<String, double[]> snap(MBeanServerConnection s, ObjectName q) throws Exception {
    Map<String, double[]> m = new TreeMap<>();
    for (ObjectName n : s.queryNames(q, null)) {
      long count = ((Number) s.getAttribute(n, "Count")).longValue();
      double mean = ((Number) s.getAttribute(n, "Mean")).doubleValue();
      String k = n.getKeyProperty("request");
      double[] v = m.computeIfAbsent(k, x -> new double[2]);
      v[0] += count; v[1] += count * mean;
    }
    return m;
  }
}
