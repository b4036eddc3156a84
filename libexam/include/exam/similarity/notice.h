// A problem found in the input that did not stop the analysis: a file that
// was skipped, repaired or only partly understood. Every notice names the
// student and the file, so nothing is dropped without a trace.
#pragma once

#include <cstdint>
#include <string>

namespace exam::similarity {

enum class NoticeSeverity {
  kNote,     // the input was normalised (BOM, CRLF line endings); results are unaffected
  kWarning,  // the input was repaired or partly understood; results may be less exact
  kSkipped,  // a file or a whole submission was left out of the comparison
};

// Returns "note", "warning" or "skipped".
const char* NoticeSeverityName(NoticeSeverity severity);

struct Notice {
  NoticeSeverity severity = NoticeSeverity::kWarning;
  std::string student;  // empty when the notice is about a path that belongs to no student
  std::string path;     // the file or folder concerned
  uint32_t line = 0;    // 1-based line the notice points at, 0 when it is about the whole file
  std::string message;
};

}  // namespace exam::similarity
