package io.signstream.stream.worker;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/** Deploys worker verticles. */
public final class Workers {

  private Workers() {}

  /**
   * Deploys {@code instances} workers for {@code spec.engine()} on Vert.x worker threads.
   *
   * @return the deployment id (undeploy it to stop them)
   */
  public static Future<String> deploy(Vertx vertx, WorkerSpec spec, int instances) {
    DeploymentOptions options = new DeploymentOptions()
        .setThreadingModel(ThreadingModel.WORKER)
        .setInstances(instances)
        // loading a model the first time can take seconds (minutes for a large TensorFlow one):
        // do not let Vert.x report it as a blocked thread every few seconds
        .setMaxWorkerExecuteTime(10)
        .setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES);
    return vertx.deployVerticle(() -> new ExplainWorkerVerticle(spec), options);
  }
}
