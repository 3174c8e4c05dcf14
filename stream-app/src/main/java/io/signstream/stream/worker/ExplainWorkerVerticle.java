package io.signstream.stream.worker;

import io.micrometer.core.instrument.Gauge;
import io.signstream.dashboard.messages.LocalMessageCodec;
import io.signstream.schemas.ErrorCode;
import io.signstream.schemas.Explanation;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker verticle (deploy it with {@code ThreadingModel.WORKER}): consumes {@code tasks.<engine>}
 * in group {@code signstream-workers-<engine>}, computes in micro-batches and writes explanations
 * exactly once (see {@link TaskLoop}); after each commit it publishes a JSON summary of every
 * explanation on {@link EventBusAddresses#EXPLANATIONS}.
 *
 * <p>The loop is a chain of short tasks on the verticle's own context (one poll and perhaps one
 * flush each), not one endless task: Vert.x then runs {@link #stop()} between two cycles, on the
 * same context, so the Kafka clients are never touched by two threads and the worker thread is never
 * blocked for long.
 */
public final class ExplainWorkerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ExplainWorkerVerticle.class);

  private final WorkerSpec spec;
  private final String instanceId;
  private TaskLoop loop;
  private Gauge gauge;
  private volatile boolean stopped;
  private long committedExplanations;
  /**
   * Builds and publishes the dashboard messages of committed results off the compute thread: a message
   * carries the input and the map as JSON arrays, which costs about as much Java time per map as the
   * rest of the worker's own bookkeeping, and the compute thread is what a worker's throughput is
   * bound by. One thread per worker keeps the messages in commit order; when it falls
   * {@value #FEED_BACKLOG} commits behind, the compute thread publishes itself (back-pressure, nothing dropped).
   */
  private ThreadPoolExecutor feed;
  private static final int FEED_BACKLOG = 64;

  /** A worker for {@code spec.engine()}. */
  public ExplainWorkerVerticle(WorkerSpec spec) {
    this.spec = spec;
    this.instanceId = spec.engine() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Override
  public Future<?> start() {
    // a worker context: blocking Kafka calls (initTransactions, subscribe) are allowed here
    loop = new TaskLoop(spec, instanceId);
    try {
      loop.open();
    } catch (RuntimeException e) {
      loop.close();
      return Future.failedFuture(e);
    }
    LocalMessageCodec.registerAll(vertx.eventBus());
    gauge = spec.metrics().inFlightGauge(spec.engine(), instanceId, loop::inFlight);
    feed = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(FEED_BACKLOG), r -> {
      Thread t = new Thread(r, "signstream-dashboard-feed-" + instanceId);
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.CallerRunsPolicy());
    LOG.info("worker {} consuming {}", instanceId, spec.config().topics().tasks(spec.engine()));
    context.runOnContext(v -> next());
    return Future.succeededFuture();
  }

  private void next() {
    if (stopped) {
      return;
    }
    try {
      List<WorkerOutput> committed = cycle();
      publish(committed);
    } catch (RuntimeException e) {
      // a failure outside the transaction (broker gone, rebalance storm): log, back off, go on
      LOG.warn("worker {}: cycle failed: {}", instanceId, e.toString(), e);
      vertx.setTimer(500, id -> context.runOnContext(v -> recoverThenNext()));
      return;
    }
    context.runOnContext(v -> next());
  }

  /** Back to the committed offsets before polling again; if even that fails, back off once more. */
  private void recoverThenNext() {
    if (stopped) {
      return;
    }
    try {
      synchronized (this) {
        if (!stopped) {
          loop.recover();
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("worker {}: cannot go back to the committed offsets yet: {}", instanceId, e.toString());
      vertx.setTimer(500, id -> context.runOnContext(v -> recoverThenNext()));
      return;
    }
    next();
  }

  private synchronized List<WorkerOutput> cycle() {
    return stopped ? List.of() : loop.cycle();
  }

  private void publish(List<WorkerOutput> committed) {
    List<WorkerOutput.Done> done = new ArrayList<>(committed.size());
    for (WorkerOutput o : committed) {
      if (o instanceof WorkerOutput.Done d) {
        Explanation e = d.explanation();
        spec.metrics().explanationOut(e.getModelId(), e.getMethod(), e.getEngine());
        committedExplanations++;
        done.add(d);
      } else if (o instanceof WorkerOutput.Failed f) {
        ErrorCode code = f.letter().getErrorCode();
        spec.metrics().deadLetter(code, "worker");
        // dead letters reach the event bus through DeadLetterFeed, which sees the topology's too
      }
    }
    if (!done.isEmpty()) {
      feed.execute(() -> feed(done));
    }
  }

  private void feed(List<WorkerOutput.Done> done) {
    EventBus bus = vertx.eventBus();
    for (WorkerOutput.Done d : done) {
      Explanation e = d.explanation();
      bus.publish(EventBusAddresses.EXPLANATIONS,
          DashboardFeed.explanation(d.source().task(), e, spec.registry().find(e.getModelId()).orElse(null)));
    }
  }

  @Override
  public synchronized Future<?> stop() {
    stopped = true;
    if (gauge != null) {
      spec.metrics().registry().remove(gauge);
    }
    loop.close();
    if (feed != null) {
      feed.shutdown(); // what is queued is still published
    }
    LOG.info("worker {} stopped after {} explanations", instanceId, committedExplanations);
    return Future.succeededFuture();
  }
}
