import javax.management.*;
import javax.management.remote.*;
import java.util.*;
/** java BrokerReqs.java PORT SECONDS: broker requests/s per type (Count delta) */
public class BrokerReqs {
  public static void main(String[] a) throws Exception {
    var c = JMXConnectorFactory.connect(new JMXServiceURL("service:jmx:rmi:///jndi/rmi://localhost:" + a[0] + "/jmxrmi"));
    var s = c.getMBeanServerConnection();
    var q = new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*");
    Map<String, Long> before = counts(s, q);
    long t0 = System.nanoTime();
    Thread.sleep(Long.parseLong(a[1]) * 1000);
    Map<String, Long> after = counts(s, q);
    double dt = (System.nanoTime() - t0) / 1e9;
    after.entrySet().stream().map(e -> Map.entry(e.getKey(), (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / dt))
        .filter(e -> e.getValue() > 0.5).sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
        .forEach(e -> System.out.printf("%8.1f/s %s%n", e.getValue(), e.getKey()));
  }
  static Map<String, Long> counts(MBeanServerConnection s, ObjectName q) throws Exception {
    Map<String, Long> m = new TreeMap<>();
    for (ObjectName n : s.queryNames(q, null)) {
      m.merge(n.getKeyProperty("request"), ((Number) s.getAttribute(n, "Count")).longValue(), Long::sum);
    }
    return m;
  }
}
