// Compression plans: labels, the JSON file format and its errors, validation against a model,
// --uniform specs, and writing files safely.

#include "core/quant/compression_plan.h"
#include "core/quant/option_spec.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <set>

using namespace bitlens;

Q_DECLARE_METATYPE(bitlens::LayerOption)

namespace {

LayerInfo layer(const std::string& name, std::vector<int64_t> shape, int64_t bias)
{
    LayerInfo l;
    l.name = name;
    l.kind = shape.size() == 2 ? LayerKind::Linear : LayerKind::Conv2d;
    l.weightParams = 1;
    for (int64_t d : shape)
        l.weightParams *= d;
    l.weightShape = std::move(shape);
    l.biasParams = bias;
    return l;
}

// fmnist_cnn's layers: [m, n] = [32, 9], [64, 288], [128, 3136], [10, 128].
std::vector<LayerInfo> demoCnn()
{
    return {layer("features.0", {32, 1, 3, 3}, 0), layer("features.4", {64, 32, 3, 3}, 0),
            layer("classifier.1", {128, 3136}, 128), layer("classifier.3", {10, 128}, 10)};
}

LayerOption intOption(int bits, Granularity granularity, bool symmetric = true, int groupSize = 128)
{
    LayerOption o;
    o.weight = {NumberFormat::Int, bits, granularity, groupSize, symmetric, WeightRange::MinMax};
    return o;
}

LayerOption floatOption(NumberFormat weight, NumberFormat activation = NumberFormat::Float32)
{
    LayerOption o;
    o.weight.format = weight;
    o.weight.bits = formatBits(weight);
    o.activation.format = activation;
    o.activation.bits = formatBits(activation);
    return o;
}

LayerOption withActivation(LayerOption o, int bits, ActivationRange range, double percentile = 99.99)
{
    o.activation = {NumberFormat::Int, bits, range, percentile};
    return o;
}

QString planJson(const QString& body)
{
    return R"({"format": "bitlens-plan", "version": 1)" + (body.isEmpty() ? "" : ", " + body) + "}";
}

// The message of the PlanError `f` throws; fails the test when it throws nothing.
template <typename F>
QString planError(F f)
{
    try {
        f();
    } catch (const PlanError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TstCompressionPlan : public QObject {
    Q_OBJECT

private slots:
    void labels_data()
    {
        QTest::addColumn<LayerOption>("option");
        QTest::addColumn<QString>("label");
        QTest::newRow("fp32") << LayerOption{} << "fp32";
        QTest::newRow("fp16") << floatOption(NumberFormat::Float16) << "fp16";
        QTest::newRow("bf16") << floatOption(NumberFormat::BFloat16) << "bf16";
        QTest::newRow("fp8") << floatOption(NumberFormat::Fp8E4M3) << "fp8_e4m3";
        QTest::newRow("w4") << intOption(4, Granularity::PerChannel) << "w4 per-channel sym";
        QTest::newRow("w8 tensor") << intOption(8, Granularity::PerTensor) << "w8 per-tensor sym";
        LayerOption grouped = intOption(4, Granularity::PerGroup, false);
        grouped.weight.range = WeightRange::Mse;
        QTest::newRow("w4 g128") << grouped << "w4 g128 asym mse";
        grouped.rank = 32;
        QTest::newRow("rank a8") << withActivation(grouped, 8, ActivationRange::MinMax)
                                 << "w4 g128 asym mse + rank 32 + a8";
        QTest::newRow("a8 pct") << withActivation(intOption(4, Granularity::PerChannel), 8, ActivationRange::Percentile)
                                << "w4 per-channel sym + a8 percentile";
        QTest::newRow("a6 mse") << withActivation(LayerOption{}, 6, ActivationRange::Mse) << "fp32 + a6 mse";
        QTest::newRow("afp16") << floatOption(NumberFormat::Fp8E5M2, NumberFormat::Float16) << "fp8_e5m2 + afp16";
    }

    void labels()
    {
        QFETCH(LayerOption, option);
        QFETCH(QString, label);
        QCOMPARE(QString::fromStdString(option.label()), label);
    }

    void names()
    {
        QCOMPARE(nameOf(NumberFormat::Fp8E5M2), "fp8_e5m2");
        QCOMPARE(nameOf(NumberFormat::BFloat16), "bf16");
        QCOMPARE(nameOf(Granularity::PerGroup), "per-group");
        QCOMPARE(nameOf(ActivationRange::Percentile), "percentile");
        QCOMPARE(formatBits(NumberFormat::Int), 0);
        QCOMPARE(formatBits(NumberFormat::BFloat16), 16);
        QCOMPARE(formatBits(NumberFormat::Fp8E4M3), 8);
        QVERIFY(withActivation(LayerOption{}, 8, ActivationRange::Percentile, 99.9)
                != withActivation(LayerOption{}, 8, ActivationRange::Percentile, 99.99));
    }

    // Every value's name parses back to it, names are unique, and the spellings of older files
    // (plan version 1, packed weights version 1) still parse.
    void nameTables()
    {
        const auto roundTrips = [](auto table) {
            std::set<std::string> names;
            for (const auto& row : table) {
                QVERIFY(names.insert(row.name).second);
                QVERIFY(enumFromName<decltype(row.value)>(row.name) == row.value);
                if (row.alias)
                    QVERIFY(enumFromName<decltype(row.value)>(row.alias) == row.value);
                QCOMPARE(std::string(nameOf(row.value)), std::string(row.name));
            }
            QVERIFY(!enumFromName<decltype(table.front().value)>("nonsense"));
        };
        roundTrips(nameTable<NumberFormat>());
        roundTrips(nameTable<Granularity>());
        roundTrips(nameTable<WeightRange>());
        roundTrips(nameTable<ActivationRange>());
        QCOMPARE(int(nameTable<NumberFormat>().size()), 6);
        QCOMPARE(int(nameTable<Granularity>().size()), 3);
        QCOMPARE(int(nameTable<WeightRange>().size()), 2);
        QCOMPARE(int(nameTable<ActivationRange>().size()), 3);
        QVERIFY(enumFromName<NumberFormat>("float32") == NumberFormat::Float32);
        QVERIFY(enumFromName<NumberFormat>("float16") == NumberFormat::Float16);
        QVERIFY(enumFromName<NumberFormat>("bfloat16") == NumberFormat::BFloat16);
        // A version 1 plan with the old spellings reads as the same plan written today.
        const CompressionPlan old = planFromJson(planJson(R"("defaults": {"weight": {"format": "float16"},
            "activation": {"format": "bfloat16"}}, "layers": {"fc": {"weight": {"format": "float32"}}})").toStdString(), "old.json");
        QCOMPARE(old.defaults, floatOption(NumberFormat::Float16, NumberFormat::BFloat16));
        QCOMPARE(old.layers.at("fc"), floatOption(NumberFormat::Float32, NumberFormat::BFloat16));
        QCOMPARE(planFromJson(planToJson(old), "new.json"), old);
        // Specs take the canonical names, and the old file spellings as well.
        QCOMPARE(optionFromSpec("fp8_e5m2,abf16"), floatOption(NumberFormat::Fp8E5M2, NumberFormat::BFloat16));
        QCOMPARE(optionFromSpec("float16"), floatOption(NumberFormat::Float16));
        QCOMPARE(optionFromSpec("w4:per-tensor:mse,a8:percentile"),
                 withActivation([] {
                     LayerOption o = intOption(4, Granularity::PerTensor);
                     o.weight.range = WeightRange::Mse;
                     return o;
                 }(), 8, ActivationRange::Percentile));
    }

    // A candidate resolved for one layer is the option the whole-model uniform plan gives it.
    void candidatesResolvePerLayer()
    {
        std::vector<LayerInfo> layers = demoCnn();
        layers.push_back(layer("odd", {30, 40}, 0));
        const std::vector<std::string> candidates{"w4", "w4:group32", "w8+rank0.25", "rank0.5", "fp8_e4m3,a8:mse",
                                                  "w4:group32:asym:mse+rank0.25", "w8,afp16+rank1"};
        const std::vector<std::vector<LayerOption>> resolved = resolveCandidates(candidates, layers);
        QCOMPARE(resolved.size(), layers.size());
        for (size_t c = 0; c < candidates.size(); ++c) {
            const CompressionPlan plan = uniformPlan(candidates[c], layers);
            const OptionSpec spec = candidateSpec(candidates[c]);
            for (size_t l = 0; l < layers.size(); ++l) {
                QCOMPARE(resolved[l][c], plan.optionFor(layers[l].name));
                QCOMPARE(spec.resolve(layers[l]), plan.optionFor(layers[l].name));
            }
        }
        // By hand: rank0.5 of the 30x40 layer is 15 on FP32 weights; w8+rank0.25 of [128, 3136] is 32.
        QCOMPARE(resolved[4][3].rank, 15);
        QCOMPARE(resolved[4][3].weight, LayerOption{}.weight);
        QCOMPARE(resolved[2][2].rank, 32);
        QCOMPARE(resolved[2][2].weight, intOption(8, Granularity::PerChannel).weight);
        QCOMPARE(candidateSpec("w4+rank0.5").rankFraction, 0.5);
        QVERIFY_THROWS_EXCEPTION(PlanError, candidateSpec("w4rank0.5"));
        QVERIFY_THROWS_EXCEPTION(PlanError, candidateSpec("rank2"));
        QVERIFY_THROWS_EXCEPTION(PlanError, resolveCandidates({"w4", "w9"}, layers));
    }

    void jsonRoundTrip()
    {
        CompressionPlan plan;
        plan.defaults = withActivation(intOption(4, Granularity::PerGroup, false, 64), 8, ActivationRange::Percentile, 99.9);
        plan.defaults.weight.range = WeightRange::Mse;
        plan.layers["f32"] = LayerOption{};
        plan.layers["w16"] = intOption(16, Granularity::PerTensor, false);
        plan.layers["fp16"] = floatOption(NumberFormat::Float16, NumberFormat::BFloat16);
        plan.layers["bf16"] = floatOption(NumberFormat::BFloat16, NumberFormat::Fp8E4M3);
        plan.layers["e4m3"] = floatOption(NumberFormat::Fp8E4M3, NumberFormat::Fp8E5M2);
        plan.layers["e5m2"] = floatOption(NumberFormat::Fp8E5M2, NumberFormat::Float16);
        plan.layers["ranked"] = withActivation(intOption(3, Granularity::PerChannel), 4, ActivationRange::Mse);
        plan.layers["ranked"].rank = 48;
        plan.layers["layer4.0.conv1"] = withActivation(intOption(2, Granularity::PerGroup, true, 16), 2,
                                                       ActivationRange::Percentile, 100.0 / 3);
        plan.layers["layer4.0.conv1"].weight.method = QuantMethod::GptqActOrder;
        const std::string json = planToJson(plan);
        QCOMPARE(planFromJson(json, "plan.json"), plan);
        QCOMPARE(planToJson(planFromJson(json, "plan.json")), json);

        // The schema, read by an independent parser: full entries, snake_case keys.
        const QJsonObject o = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
        QCOMPARE(o["format"].toString(), "bitlens-plan");
        QCOMPARE(o["version"].toInt(), 2);
        const QJsonObject defaults = o["defaults"].toObject();
        QCOMPARE(defaults["weight"].toObject()["granularity"].toString(), "per-group");
        QCOMPARE(defaults["weight"].toObject()["group_size"].toInt(), 64);
        QCOMPARE(defaults["weight"].toObject()["symmetric"].toBool(true), false);
        QCOMPARE(defaults["weight"].toObject()["range"].toString(), "mse");
        QCOMPARE(defaults["activation"].toObject()["range"].toString(), "percentile");
        QCOMPARE(defaults["activation"].toObject()["percentile"].toDouble(), 99.9);
        const QJsonObject layers = o["layers"].toObject();
        QCOMPARE(layers.size(), 8);
        const QJsonObject e5m2 = layers["e5m2"].toObject();
        QCOMPARE(e5m2["weight"].toObject()["format"].toString(), "fp8_e5m2");
        QCOMPARE(e5m2["weight"].toObject()["bits"].toInt(), 8);
        QCOMPARE(e5m2["weight"].toObject().size(), 9);
        QCOMPARE(e5m2["weight"].toObject()["method"].toString(), "rtn");
        QCOMPARE(e5m2["weight"].toObject()["terms"].toInt(), 1);
        QCOMPARE(e5m2["weight"].toObject()["sparse_percent"].toDouble(-1), 0.0);
        QCOMPARE(layers["layer4.0.conv1"].toObject()["weight"].toObject()["method"].toString(), "gptq_act");
        QCOMPARE(e5m2["activation"].toObject()["format"].toString(), "fp16");
        QCOMPARE(layers["ranked"].toObject()["rank"].toInt(), 48);
        QCOMPARE(layers["w16"].toObject()["weight"].toObject()["format"].toString(), "int");
        QVERIFY(json.find("\n  \"defaults\": {") != std::string::npos); // indented by 2
    }

    void partialOverrides()
    {
        const CompressionPlan plan = planFromJson(planJson(R"(
            "defaults": {
                "weight": {"format": "int", "bits": 4, "granularity": "per-channel", "group_size": 128,
                           "symmetric": true, "range": "minmax"},
                "rank": 0,
                "activation": {"format": "int", "bits": 8, "range": "percentile", "percentile": 99.99}
            },
            "layers": {"fc": {"weight": {"format": "float16"}},
                       "layer4.conv2": {"weight": {"bits": 3}, "rank": 64},
                       "head": {"weight": {"granularity": "per-group", "symmetric": false},
                                "activation": {"format": "bfloat16"}}})").toStdString(), "plan.json");
        const LayerOption defaults = withActivation(intOption(4, Granularity::PerChannel), 8, ActivationRange::Percentile);
        QCOMPARE(plan.defaults, defaults);

        LayerOption fc = defaults;
        fc.weight.format = NumberFormat::Float16;
        fc.weight.bits = 16;
        QCOMPARE(plan.layers.at("fc"), fc);

        LayerOption conv = defaults;
        conv.weight.bits = 3;
        conv.rank = 64;
        QCOMPARE(plan.layers.at("layer4.conv2"), conv);

        LayerOption head = defaults;
        head.weight.granularity = Granularity::PerGroup;
        head.weight.symmetric = false;
        head.activation.format = NumberFormat::BFloat16;
        head.activation.bits = 16;
        QCOMPARE(plan.layers.at("head"), head);

        QCOMPARE(plan.optionFor("fc"), fc);
        QCOMPARE(plan.optionFor("unlisted"), defaults);

        // Without defaults every unlisted layer stays fp32; an int layer then needs its bits.
        const CompressionPlan bare = planFromJson(
            planJson(R"("layers": {"a": {"weight": {"format": "int", "bits": 8}}})").toStdString(), "p");
        QCOMPARE(bare.defaults, LayerOption{});
        QCOMPARE(bare.layers.at("a"), intOption(8, Granularity::PerChannel));
    }

    // Every limit met exactly (classifier.1 [128, 3136] at its full rank 128, groups of 32 dividing
    // 3136) passes, before and after a JSON round trip; one past the rank limit is refused.
    void validPlanPasses()
    {
        CompressionPlan plan = uniformPlan("w4,a8:percentile", 0, demoCnn());
        plan.layers["classifier.1"] = intOption(3, Granularity::PerGroup, false, 32);
        plan.layers["classifier.1"].rank = 128;
        plan.layers["classifier.3"] = floatOption(NumberFormat::Float16);
        QCOMPARE(planError([&] { validatePlan(plan, demoCnn(), "plan.json"); }), QString());
        const CompressionPlan reread = planFromJson(planToJson(plan), "plan.json");
        QCOMPARE(reread, plan);
        QCOMPARE(planError([&] { validatePlan(reread, demoCnn(), "plan.json"); }), QString());
        plan.layers["classifier.1"].rank = 129;
        QVERIFY(planError([&] { validatePlan(plan, demoCnn(), "plan.json"); }).contains("'classifier.1'"));
    }

    void errors_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QStringList>("fragments");
        const auto layers = [](const QString& name, const QString& entry) {
            return planJson(QString(R"("layers": {"%1": %2})").arg(name, entry));
        };
        QTest::newRow("unknown layer") << layers("features.9", "{}")
                                       << QStringList{"'features.9'", "not a compressible layer"};
        for (int bits : {1, 9, 12, 0, 17})
            QTest::addRow("weight bits %d", bits)
                << layers("classifier.3", QString(R"({"weight": {"format": "int", "bits": %1}})").arg(bits))
                << QStringList{"'classifier.3'", QString("weight.bits %1 ").arg(bits), "2-8 or 16"};
        QTest::newRow("activation bits 9")
            << layers("classifier.3", R"({"activation": {"format": "int", "bits": 9}})")
            << QStringList{"'classifier.3'", "activation.bits 9 ", "2-8"};
        QTest::newRow("activation bits 16")
            << layers("classifier.3", R"({"activation": {"format": "int", "bits": 16}})")
            << QStringList{"'classifier.3'", "activation.bits 16 "};
        QTest::newRow("rank too large") << layers("classifier.3", R"({"rank": 11})")
                                        << QStringList{"'classifier.3'", "rank 11 ", "1-10"};
        QTest::newRow("rank negative") << layers("features.4", R"({"rank": -1})")
                                       << QStringList{"'features.4'", "rank -1 "};
        QTest::newRow("group not dividing n")
            << layers("features.0", R"({"weight": {"format": "int", "bits": 4, "granularity": "per-group", "group_size": 32}})")
            << QStringList{"plan.json: layer 'features.0': weight.group_size 32 does not divide the input dimension 9"};
        QTest::newRow("group not dividing rank")
            << layers("classifier.1", R"({"weight": {"format": "int", "bits": 4, "granularity": "per-group", "group_size": 64}, "rank": 32})")
            << QStringList{"'classifier.1'", "weight.group_size 64 ", "rank 32"};
        QTest::newRow("group size 0")
            << layers("classifier.1", R"({"weight": {"format": "int", "bits": 4, "granularity": "per-group", "group_size": 0}})")
            << QStringList{"'classifier.1'", "weight.group_size 0 "};
        QTest::newRow("defaults group for an unlisted layer")
            << planJson(R"("defaults": {"weight": {"format": "int", "bits": 4, "granularity": "per-group", "group_size": 32}})")
            << QStringList{"'features.0'", "defaults", "weight.group_size 32 ", "9"};
        QTest::newRow("unused defaults") << planJson(R"("defaults": {"weight": {"format": "int", "bits": 9}},
            "layers": {"features.0": {"weight": {"format": "float32"}}, "features.4": {"weight": {"format": "float32"}},
                       "classifier.1": {"weight": {"format": "float32"}}, "classifier.3": {"weight": {"format": "float32"}}})")
                                         << QStringList{"plan.json: defaults: weight.bits 9 "};
        QTest::newRow("percentile 0")
            << layers("classifier.3", R"({"activation": {"format": "int", "bits": 8, "range": "percentile", "percentile": 0}})")
            << QStringList{"'classifier.3'", "activation.percentile 0 ", "(0, 100]"};
        QTest::newRow("percentile 101")
            << planJson(R"("defaults": {"activation": {"format": "int", "bits": 8, "range": "percentile", "percentile": 101}})")
            << QStringList{"'features.0'", "activation.percentile 101 "};
        QTest::newRow("float with wrong bits") << layers("classifier.3", R"({"weight": {"format": "float16", "bits": 8}})")
                                               << QStringList{"classifier.3", "weight.bits 8 ", "fp16"};
        QTest::newRow("bits against inherited float") << layers("classifier.3", R"({"weight": {"bits": 4}})")
                                                      << QStringList{"classifier.3", "weight.bits 4 ", "fp32"};
        QTest::newRow("int without bits") << layers("classifier.3", R"({"activation": {"format": "int"}})")
                                          << QStringList{"classifier.3", "activation.bits missing"};
        QTest::newRow("unknown field") << layers("classifier.3", R"({"weight": {"bitz": 4}})")
                                       << QStringList{"plan.json: unknown field 'bitz' in layers.classifier.3.weight"};
        QTest::newRow("unknown top-level field") << planJson(R"("layer": {})") << QStringList{"unknown field 'layer'"};
        QTest::newRow("unknown format") << layers("fc", R"({"weight": {"format": "int4"}})")
                                        << QStringList{"layers.fc.weight.format", "'int4'", "fp8_e5m2"};
        QTest::newRow("unknown range") << layers("fc", R"({"activation": {"range": "max"}})")
                                       << QStringList{"layers.fc.activation.range", "'max'", "percentile"};
        QTest::newRow("bits as string") << layers("classifier.3", R"({"weight": {"bits": "four"}})")
                                        << QStringList{"layers.classifier.3.weight.bits", "integer", "string"};
        QTest::newRow("rank as fraction") << layers("classifier.3", R"({"rank": 1.5})")
                                          << QStringList{"layers.classifier.3.rank", "integer"};
        QTest::newRow("symmetric as string") << layers("fc", R"({"weight": {"symmetric": "yes"}})")
                                             << QStringList{"layers.fc.weight.symmetric", "boolean"};
        QTest::newRow("percentile as string") << layers("fc", R"({"activation": {"percentile": "high"}})")
                                              << QStringList{"layers.fc.activation.percentile", "number"};
        QTest::newRow("entry not an object") << layers("fc", "4") << QStringList{"layers.fc", "object"};
        QTest::newRow("layers not an object") << planJson(R"("layers": [])") << QStringList{"layers", "object", "array"};
        QTest::newRow("rank beyond int") << layers("fc", R"({"rank": 99999999999})")
                                                << QStringList{"layers.fc.rank", "99999999999"};
        QTest::newRow("malformed JSON") << R"({"format": "bitlens-plan", "version": 1,)"
                                        << QStringList{"plan.json: malformed JSON", "line 1"};
        QTest::newRow("empty") << "" << QStringList{"plan.json: malformed JSON"};
        QTest::newRow("wrong format tag") << R"({"format": "bitlens-model", "version": 1})"
                                          << QStringList{"not a BitLens plan", "bitlens-model"};
        QTest::newRow("missing format tag") << R"({"version": 1})" << QStringList{"not a BitLens plan"};
        QTest::newRow("not an object") << "[1, 2]" << QStringList{"not a BitLens plan", "array"};
        QTest::newRow("version 3") << R"({"format": "bitlens-plan", "version": 3})"
                                   << QStringList{"unsupported plan version 3", "1-2"};
        QTest::newRow("version missing") << R"({"format": "bitlens-plan"})" << QStringList{"version missing"};
    }

    void errors()
    {
        QFETCH(QString, json);
        QFETCH(QStringList, fragments);
        const QString message = planError([&] { validatePlan(planFromJson(json.toStdString(), "plan.json"), demoCnn(), "plan.json"); });
        QVERIFY2(message.startsWith("plan.json: "), qPrintable(message));
        QVERIFY2(!message.contains('\n'), qPrintable(message));
        for (const QString& fragment : fragments)
            QVERIFY2(message.contains(fragment), qPrintable(message + " lacks " + fragment));
    }

    void uniformSpecs_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<LayerOption>("defaults");
        QTest::newRow("w4") << "w4" << intOption(4, Granularity::PerChannel);
        QTest::newRow("w8 per-tensor asym mse") << "w8:per-tensor:asym:mse" << [] {
            LayerOption o = intOption(8, Granularity::PerTensor, false);
            o.weight.range = WeightRange::Mse;
            return o;
        }();
        QTest::newRow("w16 asym") << "w16:asym" << intOption(16, Granularity::PerChannel, false);
        QTest::newRow("w3 group64 a8 percentile") << "w3:group64,a8:percentile"
                                                  << withActivation(intOption(3, Granularity::PerGroup, true, 64), 8,
                                                                    ActivationRange::Percentile);
        QTest::newRow("w2 mse a4 mse") << "w2:sym:mse:per-channel,a4:mse" << [] {
            LayerOption o = withActivation(intOption(2, Granularity::PerChannel), 4, ActivationRange::Mse);
            o.weight.range = WeightRange::Mse;
            return o;
        }();
        QTest::newRow("a6") << "w8,a6" << withActivation(intOption(8, Granularity::PerChannel), 6, ActivationRange::MinMax);
        QTest::newRow("fp32") << "fp32" << LayerOption{};
        QTest::newRow("fp16") << "fp16" << floatOption(NumberFormat::Float16);
        QTest::newRow("bf16 afp16") << "bf16,afp16" << floatOption(NumberFormat::BFloat16, NumberFormat::Float16);
        QTest::newRow("fp8_e4m3 a8") << "fp8_e4m3,a8"
                                     << withActivation(floatOption(NumberFormat::Fp8E4M3), 8, ActivationRange::MinMax);
        QTest::newRow("fp8_e5m2 afp8_e4m3") << "fp8_e5m2,afp8_e4m3"
                                            << floatOption(NumberFormat::Fp8E5M2, NumberFormat::Fp8E4M3);
        QTest::newRow("w4 abf16") << "w4,abf16" << [] {
            LayerOption o = intOption(4, Granularity::PerChannel);
            o.activation = {NumberFormat::BFloat16, 16, ActivationRange::MinMax, 99.99};
            return o;
        }();
    }

    void uniformSpecs()
    {
        QFETCH(QString, spec);
        QFETCH(LayerOption, defaults);
        const CompressionPlan plan = uniformPlan(spec.toStdString(), 0, demoCnn());
        QCOMPARE(plan.defaults, defaults);
        const bool grouped = defaults.weight.granularity == Granularity::PerGroup && defaults.weight.format == NumberFormat::Int;
        if (!grouped)
            QVERIFY(plan.layers.empty());
    }

    void uniformGroupFallback()
    {
        // n = 9, 288, 3136, 128: group 32 divides all but features.0.
        const CompressionPlan plan = uniformPlan("w4:group32", 0, demoCnn());
        QCOMPARE(int(plan.layers.size()), 1);
        LayerOption expected = intOption(4, Granularity::PerChannel, true, 32);
        QCOMPARE(plan.layers.at("features.0"), expected);
        QCOMPARE(plan.optionFor("features.4"), intOption(4, Granularity::PerGroup, true, 32));
        // Group 64 divides neither 9 nor 288 (= 4.5 * 64).
        const CompressionPlan plan64 = uniformPlan("w4:group64", 0, demoCnn());
        QCOMPARE(int(plan64.layers.size()), 2);
        QCOMPARE(plan64.layers.at("features.4").weight.granularity, Granularity::PerChannel);
    }

    void uniformRankFraction()
    {
        std::vector<LayerInfo> layers = demoCnn();
        layers.push_back(layer("odd", {30, 40}, 0));
        const CompressionPlan plan = uniformPlan("w8", 0.25, layers);
        QCOMPARE(int(plan.layers.size()), 5);
        // ceil(0.25 * min(m, n)): min = 9, 64, 128, 10, 30
        QCOMPARE(plan.layers.at("features.0").rank, 3);
        QCOMPARE(plan.layers.at("features.4").rank, 16);
        QCOMPARE(plan.layers.at("classifier.1").rank, 32);
        QCOMPARE(plan.layers.at("classifier.3").rank, 3);
        QCOMPARE(plan.layers.at("odd").rank, 8);
        QCOMPARE(plan.layers.at("odd").weight, intOption(8, Granularity::PerChannel).weight);
        QCOMPARE(plan.defaults.rank, 0);
        // 0.1 * 30 is 3.0000000000000004 in binary; the rank is still 3.
        QCOMPARE(uniformPlan("w8", 0.1, layers).layers.at("odd").rank, 3);
        QCOMPARE(uniformPlan("w8", 1.0, layers).layers.at("classifier.1").rank, 128);
        QCOMPARE(uniformPlan("fp16", 0.01, layers).layers.at("features.0").rank, 1);

        // Group 32 survives only where it divides the rank as well: classifier.1 (rank 32).
        const CompressionPlan grouped = uniformPlan("w4:group32", 0.25, layers);
        QCOMPARE(grouped.layers.at("classifier.1").weight.granularity, Granularity::PerGroup);
        for (const char* name : {"features.0", "features.4", "classifier.3"})
            QCOMPARE(grouped.layers.at(name).weight.granularity, Granularity::PerChannel);
        validatePlan(grouped, layers, "plan.json");
    }

    void badSpecs_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<double>("rankFraction");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("w9") << "w9" << 0.0 << "--uniform: 'w9' has bits out of range (2-8 or 16)";
        for (const char* spec : {"w1", "w12", "w0", "w-4"})
            QTest::newRow(spec) << spec << 0.0 << QString("'%1' has bits out of range").arg(spec);
        QTest::newRow("w") << "w" << 0.0 << "'w' is not a weight spec";
        QTest::newRow("x4") << "x4" << 0.0 << "'x4' is not a weight spec";
        QTest::newRow("empty") << "" << 0.0 << "is not a weight spec";
        QTest::newRow("afp16 as weight") << "afp16" << 0.0 << "'afp16' is not a weight spec";
        QTest::newRow("group0") << "w4:group0" << 0.0 << "'group0' needs a positive group size";
        QTest::newRow("groupx") << "w4:groupx" << 0.0 << "'groupx' needs a positive group size";
        QTest::newRow("unknown option") << "w4:foo" << 0.0 << "unknown option 'foo' in 'w4:foo'";
        QTest::newRow("sym twice") << "w4:sym:asym" << 0.0 << "sets the symmetry twice";
        QTest::newRow("granularity twice") << "w4:per-tensor:group32" << 0.0 << "sets the granularity twice";
        QTest::newRow("float with options") << "fp16:asym" << 0.0 << "'fp16:asym'";
        QTest::newRow("a9") << "w4,a9" << 0.0 << "'a9' has bits out of range (2-8)";
        QTest::newRow("a16") << "w4,a16" << 0.0 << "'a16' has bits out of range (2-8)";
        QTest::newRow("activation option") << "w4,a8:foo" << 0.0 << "unknown option 'foo' in 'a8:foo'";
        QTest::newRow("activation range twice") << "w4,a8:mse:minmax" << 0.0 << "sets the range twice";
        QTest::newRow("activation not a spec") << "w4,8" << 0.0 << "'8' is not an activation spec";
        QTest::newRow("empty activation") << "w4," << 0.0 << "is not an activation spec";
        QTest::newRow("three parts") << "w4,a8,a8" << 0.0 << "more than two parts";
        QTest::newRow("rank fraction 1.5") << "w4" << 1.5 << "--uniform: the rank fraction 1.5 is out of range";
        QTest::newRow("rank fraction -0.1") << "w4" << -0.1 << "rank fraction -0.1 is out of range";
        QTest::newRow("rank fraction nan") << "w4" << std::nan("") << "rank fraction";
    }

    void badSpecs()
    {
        QFETCH(QString, spec);
        QFETCH(double, rankFraction);
        QFETCH(QString, fragment);
        const QString message = planError([&] { uniformPlan(spec.toStdString(), rankFraction, demoCnn()); });
        QVERIFY2(message.startsWith("--uniform: "), qPrintable(message));
        QVERIFY2(message.contains(fragment), qPrintable(message));
    }

    void fileRoundTrip()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("plan.json").toStdString();
        CompressionPlan plan = uniformPlan("w4:group32:asym,a8:percentile", 0.5, demoCnn());
        writePlanFile(plan, path);
        QCOMPARE(readPlanFile(path), plan);
        plan.layers["classifier.3"] = floatOption(NumberFormat::Float16);
        writePlanFile(plan, path); // replaces the first
        QCOMPARE(readPlanFile(path), plan);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"plan.json"});
    }

    void writeFailures_data()
    {
        QTest::addColumn<QString>("relative");
        QTest::newRow("missing folder") << "missing/plan.json";
        QTest::newRow("under a file") << "file.txt/plan.json";
        QTest::newRow("onto a folder") << "folder";
        // Root writes through permission bits, so the read-only folder is /proc, which nobody can
        // create files in. An absolute path, which QDir::filePath returns as it is.
        QTest::newRow("read-only folder") << "/proc/plan.json";
    }

    void writeFailures()
    {
        QFETCH(QString, relative);
        QTemporaryDir dir;
        QDir(dir.path()).mkdir("folder");
        QFile(dir.filePath("file.txt")).open(QIODevice::WriteOnly);
        const QString path = QDir(dir.path()).filePath(relative);
        const QString message = planError([&] { writePlanFile(CompressionPlan{}, path.toStdString()); });
        QVERIFY2(message.startsWith(path + ": cannot write ("), qPrintable(message));
        QVERIFY2(!message.contains('\n'), qPrintable(message));
        QVERIFY(QDir(QFileInfo(path).path()).entryList({"*.tmp*"}, QDir::Files).isEmpty());
        QVERIFY(!QFileInfo(path).isFile());
    }

    void emptyFileNameIsAnError()
    {
        const QString message = planError([&] { writePlanFile(CompressionPlan{}, ""); });
        QCOMPARE(message, QString("cannot write a file with an empty name"));
    }

    void readFailures()
    {
        QTemporaryDir dir;
        const QString missing = dir.filePath("none.json");
        QCOMPARE(planError([&] { readPlanFile(missing.toStdString()); }), missing + ": file not found");
        QVERIFY(planError([&] { readPlanFile(dir.path().toStdString()); }).startsWith(dir.path() + ": is a folder"));
        const QString bad = dir.filePath("bad.json");
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"format": "bitlens-plan", "version": 1, "layers": {"fc": {"rank": "x"}}})");
        file.close();
        QCOMPARE(planError([&] { readPlanFile(bad.toStdString()); }),
                 bad + ": layers.fc.rank must be an integer, not string");
    }
};

QTEST_GUILESS_MAIN(TstCompressionPlan)
#include "tst_compression_plan.moc"
