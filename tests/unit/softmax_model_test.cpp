// SoftmaxModel: the learned category model's softmax regression, on hand-made features.
#include "routing/classify/softmax_model.hpp"

#define BOOST_TEST_MODULE softmax_model_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <vector>

namespace {

using ccd::routing::SoftmaxModel;

std::vector<double> logits(const SoftmaxModel& m, const std::vector<std::uint32_t>& features) {
    std::vector<double> out(m.classes(), 0.0);
    m.addLogits(features, out.data());
    return out;
}

std::size_t best(const std::vector<double>& v) {
    return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Three classes, each with two decisive features (0-1, 2-3, 4-5); feature 6 is in every
// example, as "please" is in every category's sentences.
std::vector<SoftmaxModel::Example> threeClasses() {
    std::vector<SoftmaxModel::Example> out;
    for (int i = 0; i < 10; ++i) {
        out.push_back({{0, 6}, 0});
        out.push_back({{1, 6}, 0});
        out.push_back({{2, 6}, 1});
        out.push_back({{3, 6}, 1});
        out.push_back({{4, 6}, 2});
        out.push_back({{5, 6}, 2});
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(decisive_features_decide_and_a_shared_one_counts_for_little) {
    const SoftmaxModel m(3, 7, threeClasses(), 0.001, 20);
    BOOST_REQUIRE(m.trained());
    BOOST_TEST(best(logits(m, {0, 6})) == 0u);
    BOOST_TEST(best(logits(m, {3})) == 1u);
    BOOST_TEST(best(logits(m, {4, 6})) == 2u);
    // Mixed evidence: the two features of class 1 outweigh the one of class 0.
    BOOST_TEST(best(logits(m, {0, 2, 3})) == 1u);
    double spread_shared = 0.0;
    double spread_decisive = 0.0;
    for (std::size_t k = 0; k < 3; ++k) {
        for (std::size_t j = 0; j < 3; ++j) {
            spread_shared = std::max(spread_shared, std::abs(m.weight(6, k) - m.weight(6, j)));
            spread_decisive = std::max(spread_decisive, std::abs(m.weight(0, k) - m.weight(0, j)));
        }
    }
    BOOST_TEST(spread_shared < 0.2 * spread_decisive);
}

BOOST_AUTO_TEST_CASE(a_class_with_few_examples_weighs_as_much_as_one_with_many) {
    std::vector<SoftmaxModel::Example> examples;
    for (int i = 0; i < 60; ++i) examples.push_back({{0, 2}, 0});
    for (int i = 0; i < 3; ++i) examples.push_back({{1, 2}, 1});
    const SoftmaxModel m(2, 3, examples, 0.001, 20);
    BOOST_TEST(best(logits(m, {1, 2})) == 1u);
    // The shared feature alone says nothing: neither class wins by the counts.
    const auto shared = logits(m, {2});
    BOOST_TEST(std::abs(shared[0] - shared[1]) < 1.0);
}

BOOST_AUTO_TEST_CASE(the_same_examples_give_the_same_model) {
    const SoftmaxModel a(3, 7, threeClasses(), 0.01, 5);
    const SoftmaxModel b(3, 7, threeClasses(), 0.01, 5);
    BOOST_TEST(logits(a, {0, 3, 6}) == logits(b, {0, 3, 6}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(without_examples_the_model_adds_nothing) {
    const SoftmaxModel m(3, 7, {}, 0.01, 5);
    BOOST_TEST(!m.trained());
    const auto out = logits(m, {0, 1});
    BOOST_TEST(out == std::vector<double>(3, 0.0), boost::test_tools::per_element());
    BOOST_TEST(!SoftmaxModel().trained());
}
