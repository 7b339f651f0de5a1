package test.versioned;

import dev.llmlb.api.ModelSpec;
import dev.llmlb.api.PluginContext;
import dev.llmlb.api.source.FetchPlan;
import dev.llmlb.api.source.ModelSource;
import dev.llmlb.api.source.ModelSourceFactory;
import dev.llmlb.api.source.PlanningContext;
import dev.llmlb.api.source.PlanningException;

import java.util.List;

/** A source that exists to be built against one api version or another. */
public final class Factory implements ModelSourceFactory {
    @Override
    public String name() {
        return "versioned";
    }

    @Override
    public ModelSource create(PluginContext context) {
        return new ModelSource() {
            @Override
            public List<String> validate(ModelSpec spec) {
                return List.of();
            }

            @Override
            public FetchPlan plan(ModelSpec spec, PlanningContext ctx) {
                throw new PlanningException("test source versioned plans nothing");
            }
        };
    }
}
