// TMR's options: JSON in and out, with named errors.
#include "mutagen/mutators/tmr.h"
#include "options_reader.h"

namespace mutagen {

std::string to_string(TmrSchedule s) {
  switch (s) {
    case TmrSchedule::kMixed:
      return "mixed";
    case TmrSchedule::kSequential:
      return "sequential";
  }
  return "unknown";
}

nlohmann::json TmrOptions::to_json() const {
  return {{"schedule", to_string(schedule())},
          {"epochs", epochs()},
          {"pos_epochs", pos_epochs()},
          {"learning_rate", learning_rate()},
          {"batch_size", batch_size()},
          {"optimizer", optimizer()},
          {"relabel_fraction", relabel_fraction()},
          {"other_ratio", other_ratio()}};
}

TmrOptions TmrOptions::from_json(const nlohmann::json& j) {
  const internal::OptionsReader r("tmr", j,
                                  {"schedule", "epochs", "pos_epochs", "learning_rate",
                                   "batch_size", "optimizer", "relabel_fraction", "other_ratio"});
  TmrOptions o;
  if (r.has("schedule")) {
    const nlohmann::json& v = r.raw("schedule");
    if (v == "mixed") {
      o.schedule(TmrSchedule::kMixed);
    } else if (v == "sequential") {
      o.schedule(TmrSchedule::kSequential);
    } else {
      r.bad("schedule", "\"mixed\" or \"sequential\"");
    }
  }
  if (r.has("epochs")) o.epochs(r.integer("epochs", 1));
  if (r.has("pos_epochs")) o.pos_epochs(r.integer("pos_epochs", 0));
  if (r.has("batch_size")) o.batch_size(r.integer("batch_size", 1));
  if (r.has("learning_rate")) {
    const double lr = r.number("learning_rate");
    if (lr <= 0) r.bad("learning_rate", "a number > 0");
    o.learning_rate(lr);
  }
  if (r.has("optimizer")) o.optimizer(r.one_of("optimizer", {"adam", "adadelta", "sgd"}));
  if (r.has("relabel_fraction")) o.relabel_fraction(r.number_in("relabel_fraction", 0, 1));
  if (r.has("other_ratio")) {
    const double x = r.number("other_ratio");
    if (x < 0) r.bad("other_ratio", "a number >= 0");
    o.other_ratio(x);
  }
  return o;
}

}  // namespace mutagen
