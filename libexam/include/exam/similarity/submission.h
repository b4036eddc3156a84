// The input of a similarity analysis: one student's files, as text. The
// offline command reads them from folders; the server builds them from the
// submissions of an exam. Plain value types, safe to copy between threads.
#pragma once

#include <string>
#include <vector>

namespace exam::similarity {

// One source file of a submission. `path` is only used in reports.
struct SourceFile {
  std::string path;
  std::string text;  // raw bytes as read; the analysis repairs encoding and line endings
};

// All of one student's code for one question. Files are compared as if they
// were concatenated in vector order, but a fragment never spans two files.
struct Submission {
  std::string student;  // the label shown in reports, unique within one analysis
  std::vector<SourceFile> files;
};

// Builds a submission with a single file, the form the server passes.
inline Submission MakeSubmission(std::string student, std::string text) {
  Submission submission;
  submission.files.push_back({student, std::move(text)});
  submission.student = std::move(student);
  return submission;
}

}  // namespace exam::similarity
