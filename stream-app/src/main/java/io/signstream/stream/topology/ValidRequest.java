package io.signstream.stream.topology;

import io.signstream.schemas.InferenceEvent;
import io.signstream.stream.registry.ModelDescriptor;
import java.util.List;

/**
 * A request that passed every check, with what routing needs.
 *
 * @param event the decoded request
 * @param model its registry entry
 * @param engine the engine it will run on
 * @param methods the distinct requested methods, in request order
 */
public record ValidRequest(InferenceEvent event, ModelDescriptor model, String engine, List<String> methods) {

  /** Copies the method list. */
  public ValidRequest {
    methods = List.copyOf(methods);
  }
}
