# Classification (pure routing code): text pipeline, naive Bayes, sentiment, safety signals.
# The tests read config/routing.yaml through the real parser (ccd_config); ccd_routing itself
# never links yaml-cpp.
ccd_add_boost_test(classify_test SOURCES unit/classify_test.cpp
  LIBS ccd_routing ccd_config nlohmann_json::nlohmann_json)
# Safety signals on the shipped lists: three languages, exclusions, settled hazards, quoted names.
ccd_add_boost_test(safety_signals_test SOURCES unit/safety_signals_test.cpp
  LIBS ccd_routing ccd_config)
# Tokenizer: its own word segmenter against ICU's word iterator.
ccd_add_boost_test(tokenizer_test SOURCES unit/tokenizer_test.cpp
  LIBS ccd_routing nlohmann_json::nlohmann_json)
# TermPass: one walk over a text for several phrase lists, each given what its own walk gives.
ccd_add_boost_test(term_pass_test SOURCES unit/term_pass_test.cpp
  LIBS ccd_routing ccd_config nlohmann_json::nlohmann_json)
# RegexSet: the literal prefilter and lookahead conjunctions against ICU on the shipped patterns.
ccd_add_boost_test(regex_set_test SOURCES unit/regex_set_test.cpp
  LIBS ccd_routing ccd_config nlohmann_json::nlohmann_json)
# SoftmaxModel: the learned category model's regression on hand-made features.
ccd_add_boost_test(softmax_model_test SOURCES unit/softmax_model_test.cpp LIBS ccd_routing)
# Urgency signals: recall on urgent messages, silence on ordinary ones, P1 through the rules.
ccd_add_boost_test(urgency_test SOURCES unit/urgency_test.cpp LIBS ccd_routing ccd_config)
ccd_add_boost_test(list_precision_test SOURCES unit/list_precision_test.cpp LIBS ccd_routing ccd_config)
# `ccd classify --explain`: the evidence sorted by decision.
ccd_add_boost_test(classify_explain_test SOURCES unit/classify_explain_test.cpp
  LIBS ccd_routing ccd_config)
# `ccd classify --expect`: the evaluation figures.
ccd_add_boost_test(classify_evaluation_test SOURCES unit/classify_evaluation_test.cpp
  LIBS ccd_routing)
# `ccd classify --explain` and `--expect` with the real binary (no server).
add_test(NAME classify_cli_e2e
  COMMAND bash ${CCD_ROOT}/tests/e2e/classify_cli_e2e.sh $<TARGET_FILE:ccd> ${CCD_ROOT})
set_tests_properties(classify_cli_e2e PROPERTIES LABELS e2e TIMEOUT 120)
# Subtypes: the shipped examples come out as their subtype; rules test the subtype.
ccd_add_boost_test(subtype_test SOURCES unit/subtype_test.cpp LIBS ccd_routing ccd_config)
ccd_add_boost_test(classification_config_test SOURCES unit/classification_config_test.cpp
  LIBS ccd_config)
# A trained classifier's models as bytes and back (the model cache): the same outputs, bit for bit.
ccd_add_boost_test(classifier_model_test SOURCES unit/classifier_model_test.cpp
  LIBS ccd_routing ccd_config)

# Benchmark (not a CTest test: it prints figures). Build: --target classify_bench.
find_package(benchmark QUIET)
if(benchmark_FOUND)
  add_executable(classify_bench bench/classify_bench.cpp)
  target_link_libraries(classify_bench PRIVATE ccd_routing ccd_config nlohmann_json::nlohmann_json
    benchmark::benchmark)
  target_compile_definitions(classify_bench PRIVATE CCD_SOURCE_DIR="${CCD_ROOT}")
endif()
