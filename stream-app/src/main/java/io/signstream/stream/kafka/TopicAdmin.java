package io.signstream.stream.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates SignStream's topics before anything uses them: a Streams application whose source topic
 * is missing stops, and dynamically routed sinks need their topics to exist.
 */
public final class TopicAdmin {

  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  private TopicAdmin() {}

  /**
   * Creates each topic that does not exist yet; existing topics are left as they are.
   *
   * @param clientProps admin client properties (bootstrap servers, security)
   * @param replicationFactor -1 for the broker's default
   * @return the topics that were created
   */
  public static List<String> ensureTopics(Map<String, Object> clientProps, Collection<String> topics, int partitions,
      short replicationFactor) {
    return ensureTopics(clientProps, topics, partitions, replicationFactor, Map.of());
  }

  /**
   * As {@link #ensureTopics(Map, Collection, int, short)}, creating missing topics with the given topic
   * configuration (e.g. {@code cleanup.policy=compact}).
   */
  public static List<String> ensureTopics(Map<String, Object> clientProps, Collection<String> topics, int partitions,
      short replicationFactor, Map<String, String> topicConfig) {
    try (Admin admin = Admin.create(clientProps)) {
      Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String t : topics) {
        if (!existing.contains(t)) {
          missing.add(new NewTopic(t, Optional.of(partitions),
              replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor)).configs(topicConfig));
        }
      }
      List<String> created = new ArrayList<>();
      for (NewTopic n : missing) {
        try {
          admin.createTopics(List.of(n)).all().get(60, TimeUnit.SECONDS);
          created.add(n.name());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + n.name() + ": " + e.getCause(), e.getCause());
          }
        }
      }
      if (!created.isEmpty()) {
        awaitMetadata(admin, created);
        LOG.info("created topics {} ({} partitions)", created, partitions);
      }
      return created;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      AuthenticationException refused = authenticationFailure(e);
      if (refused != null) {
        // the first Kafka call of every process: say plainly that it is the login, not the network
        throw new IllegalStateException("Kafka authentication failed at " + clientProps.get("bootstrap.servers")
            + ": " + refused.getMessage() + " (check kafka.security.protocol, kafka.sasl.mechanism and"
            + " kafka.sasl.jaas.config)", refused);
      }
      throw new IllegalStateException("cannot reach Kafka to create topics " + topics + ": " + e, e);
    }
  }

  /** The number of partitions of {@code topic}, or -1 when it does not exist or the broker does not say. */
  public static int partitionCount(Map<String, Object> clientProps, String topic) {
    try (Admin admin = Admin.create(clientProps)) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic).partitions()
          .size();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing topic " + topic, e);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("cannot describe topic {} ({}); assuming several partitions", topic, e.toString());
      return -1;
    }
  }

  /**
   * Waits until the broker describes every created topic: creation returns before the new topics' metadata has
   * reached the brokers' caches, and a global store (or a config read) started in that gap fails with "no
   * partitions available".
   */
  private static void awaitMetadata(Admin admin, List<String> created)
      throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        admin.describeTopics(created).allTopicNames().get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw new TimeoutException("topics " + created + " created but not visible after 30 s: " + e.getCause());
        }
        Thread.sleep(50);
      }
    }
  }

  /**
   * The smallest {@code max.message.bytes} among {@code topics} (the broker's limit for a record batch on
   * each), or {@link Integer#MAX_VALUE} when the broker does not say (then only the producer's limit applies).
   * Records are sized against it as well as against {@code max.request.size}: a broker that refuses a
   * record fails the transaction it was sent in, exactly like a producer that refuses it.
   */
  public static int maxMessageBytes(Map<String, Object> clientProps, Collection<String> topics) {
    try (Admin admin = Admin.create(clientProps)) {
      List<org.apache.kafka.common.config.ConfigResource> resources = topics.stream()
          .map(t -> new org.apache.kafka.common.config.ConfigResource(
              org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t))
          .toList();
      int min = Integer.MAX_VALUE;
      for (var config : admin.describeConfigs(resources).all().get(60, TimeUnit.SECONDS).values()) {
        var entry = config.get("max.message.bytes");
        if (entry != null && entry.value() != null) {
          min = Math.min(min, Integer.parseInt(entry.value()));
        }
      }
      return min;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Integer.MAX_VALUE;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn("cannot read max.message.bytes of {} ({}); sizing records by max.request.size only", topics,
          e.toString());
      return Integer.MAX_VALUE;
    }
  }

  private static AuthenticationException authenticationFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AuthenticationException a) {
        return a;
      }
    }
    return null;
  }
}
