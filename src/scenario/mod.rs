//! Scenario files (format v1alpha1). IMPLEMENTATION IN PROGRESS (issue 3).
