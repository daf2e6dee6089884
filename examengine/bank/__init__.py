"""Items and their versions, the syllabus taxonomy, bank files, import/export and near-duplicate checks."""
