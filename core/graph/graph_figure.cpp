// One drawing of a laid-out, coloured graph (drawGraphLegend, drawGraphBody), and graphSvg and
// graphPdf, the file backends of it.

#include "graph_drawing.h"
#include "graph_export.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace bitlens {
namespace {

const Rgb kInk{32, 33, 36};
const Rgb kEdgeInk{95, 99, 104};
const Rgb kFrame{154, 160, 166};
const Rgb kWhite{255, 255, 255};

std::string number(double v)
{
    return plainNumber(v, 2);
}

// Dark text on light fills, white on dark ones (relative luminance).
Rgb inkOn(Rgb fill)
{
    return 0.2126 * fill.r + 0.7152 * fill.g + 0.0722 * fill.b < 128 ? kWhite : kInk;
}

void drawArrow(GraphCanvas& canvas, const std::vector<GraphPoint>& path)
{
    if (path.size() < 2)
        return;
    canvas.curve(path, kEdgeInk);
    const GraphPoint tip = path.back();
    const GraphPoint from = path[path.size() - 2];
    const double dx = tip.x - from.x, dy = tip.y - from.y;
    const double len = std::hypot(dx, dy);
    if (len <= 0)
        return;
    const double ux = dx / len, uy = dy / len;
    canvas.triangle(tip, {tip.x - 7 * ux + 3 * uy, tip.y - 7 * uy - 3 * ux}, {tip.x - 7 * ux - 3 * uy, tip.y - 7 * uy + 3 * ux},
                    kEdgeInk);
}

void drawFrame(GraphCanvas& canvas, const GraphNode& node, const PlacedNode& p, const GraphColoring& coloring, double top)
{
    const double y = p.y + top;
    canvas.beginNode(p.node);
    const Rgb fill{250, 250, 251};
    canvas.rect(p.x, y, p.width, p.height, &fill, kFrame, 1);
    canvas.text(p.x + 6, y + 14, frameTitle(node), 10, true, kInk, Anchor::Start);
    if (std::isfinite(coloring.nodeValues[static_cast<size_t>(p.node)])) {
        const Rgb c = coloring.nodeColors[static_cast<size_t>(p.node)];
        canvas.rect(p.x + p.width - 18, y + 5, 12, 12, &c, kFrame, 0.5);
    }
    canvas.endNode();
}

} // namespace

void drawGraphLegend(GraphCanvas& canvas, const GraphColoring& coloring, double width)
{
    const LayerFigureInfo& info = figureInfo(coloring.figure);
    std::string title = info.name;
    if (info.scale != ColorScaleKind::Categorical)
        title += std::string(" · groups: ") + aggregateName(coloring.aggregate);
    canvas.text(8, 16, title, 11, true, kInk, Anchor::Start);
    if (info.scale == ColorScaleKind::Categorical) { // the categories the layers use
        double x = 8;
        for (size_t i = 0; i < coloring.categories.size(); ++i) {
            if (std::find(coloring.layerValues.begin(), coloring.layerValues.end(), static_cast<double>(i))
                == coloring.layerValues.end())
                continue;
            const Rgb c = coloring.scale.color(static_cast<double>(i));
            canvas.rect(x, 24, 12, 12, &c, kFrame, 0.5);
            canvas.text(x + 16, 34, coloring.categories[i], 9, false, kInk, Anchor::Start);
            x += 22 + 6.0 * static_cast<double>(coloring.categories[i].size());
        }
        return;
    }
    const double barWidth = std::min(240.0, width - 110); // room for the "not analysed" swatch
    const int steps = 48;
    for (int i = 0; i < steps; ++i) {
        const Rgb c = coloring.scale.color(coloring.scale.valueAt((i + 0.5) / steps));
        canvas.rect(8 + barWidth * i / steps, 24, barWidth / steps + 0.3, 10, &c, c, 0);
    }
    canvas.text(8, 44, plainNumber(coloring.scale.low, -4), 9, false, kInk, Anchor::Start);
    canvas.text(8 + barWidth, 44, plainNumber(coloring.scale.high, -4) + (coloring.scale.logarithmic ? " (log)" : ""), 9,
                false, kInk, Anchor::End);
    canvas.rect(16 + barWidth, 24, 10, 10, &kMissingColor, kFrame, 0.5);
    canvas.text(30 + barWidth, 33, "not analysed", 9, false, kInk, Anchor::Start);
}

void drawGraphBody(GraphCanvas& canvas, const ModelGraph& graph, const GraphLayout& layout, const GraphColoring& coloring,
                   double top)
{
    // Open groups' frames first, then the edges, then the boxes over the edges' ends.
    for (const PlacedNode& p : layout.nodes)
        if (p.open)
            drawFrame(canvas, graph.nodes[static_cast<size_t>(p.node)], p, coloring, top);
    for (const PlacedEdge& e : layout.edges) {
        std::vector<GraphPoint> path = e.path;
        for (GraphPoint& q : path)
            q.y += top;
        drawArrow(canvas, path);
    }
    for (const PlacedNode& p : layout.nodes) {
        const GraphNode& node = graph.nodes[static_cast<size_t>(p.node)];
        if (p.open)
            continue;
        const double y = p.y + top;
        canvas.beginNode(p.node);
        const bool hasFigure = node.kind == GraphNodeKind::Layer || node.kind == GraphNodeKind::Group;
        const Rgb fill = hasFigure ? coloring.nodeColors[static_cast<size_t>(p.node)] : kOperationFill;
        canvas.rect(p.x, y, p.width, p.height, &fill, node.kind == GraphNodeKind::Group ? kInk : kFrame,
                    node.kind == GraphNodeKind::Group ? 2 : 1);
        const Rgb ink = inkOn(fill);
        canvas.text(p.x + p.width / 2, y + 14, node.label, 10, node.kind != GraphNodeKind::Operation, ink, Anchor::Middle);
        canvas.text(p.x + p.width / 2, y + 27, boxDetail(node), 8, false, ink, Anchor::Middle);
        if (const std::string& badge = coloring.badges.empty() ? std::string() : coloring.badges[static_cast<size_t>(p.node)];
            !badge.empty()) {
            // On the top-right corner, reaching out to the right: edges meet the box's middle.
            const double w = 5.2 * static_cast<double>(badge.size()) + 8;
            const double left = p.x + p.width - 0.6 * w;
            canvas.rect(left, y - 6, w, 12, &kInk, kInk, 0);
            canvas.text(left + w / 2, y + 3, badge, 8, true, kWhite, Anchor::Middle);
        }
        canvas.endNode();
    }
}

namespace {

std::string xmlEscaped(const std::string& s)
{
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

class SvgCanvas final : public GraphCanvas {
public:
    std::ostringstream out;
    void rect(double x, double y, double w, double h, const Rgb* fill, Rgb stroke, double width) override
    {
        out << "<rect x=\"" << number(x) << "\" y=\"" << number(y) << "\" width=\"" << number(w) << "\" height=\""
            << number(h) << "\" rx=\"3\" fill=\"" << (fill ? fill->hex() : "none") << "\" stroke=\""
            << (width > 0 ? stroke.hex() : "none") << "\" stroke-width=\"" << number(width) << "\"/>\n";
    }
    void curve(const std::vector<GraphPoint>& b, Rgb stroke) override
    {
        out << "<path d=\"M" << number(b[0].x) << ',' << number(b[0].y);
        for (size_t i = 1; i + 2 < b.size(); i += 3)
            out << " C" << number(b[i].x) << ',' << number(b[i].y) << ' ' << number(b[i + 1].x) << ','
                << number(b[i + 1].y) << ' ' << number(b[i + 2].x) << ',' << number(b[i + 2].y);
        out << "\" fill=\"none\" stroke=\"" << stroke.hex() << "\" stroke-width=\"1\"/>\n";
    }
    void triangle(GraphPoint a, GraphPoint b, GraphPoint c, Rgb fill) override
    {
        out << "<polygon points=\"" << number(a.x) << ',' << number(a.y) << ' ' << number(b.x) << ',' << number(b.y)
            << ' ' << number(c.x) << ',' << number(c.y) << "\" fill=\"" << fill.hex() << "\"/>\n";
    }
    void text(double x, double y, const std::string& t, double size, bool bold, Rgb color, Anchor anchor) override
    {
        static const char* anchors[] = {"start", "middle", "end"};
        out << "<text x=\"" << number(x) << "\" y=\"" << number(y) << "\" font-size=\"" << number(size)
            << "\" text-anchor=\"" << anchors[static_cast<int>(anchor)] << "\" fill=\"" << color.hex() << '"'
            << (bold ? " font-weight=\"bold\"" : "") << '>' << xmlEscaped(t) << "</text>\n";
    }
};

// PDF's standard Helvetica reads WinAnsi: Greek letters and subscripts are spelled out.
std::string winAnsi(const std::string& s)
{
    static const std::pair<const char*, const char*> spelled[] = {
        {"λ", "lambda"}, {"₁", "1"}, {"α", "alpha"}, {"Δ", "Delta "}, {"σ", "sigma"}, {"×", "x"}, {"·", "\xB7"}};
    std::string out = s;
    for (const auto& [from, to] : spelled)
        for (size_t at; (at = out.find(from)) != std::string::npos;)
            out.replace(at, std::string(from).size(), to);
    std::string escaped;
    for (char c : out) {
        if (c == '(' || c == ')' || c == '\\')
            escaped += '\\';
        escaped += static_cast<unsigned char>(c) < 0x80 || c == '\xB7' ? c : '?';
    }
    return escaped;
}

class PdfCanvas final : public GraphCanvas {
public:
    explicit PdfCanvas(double height) : m_height(height) {}
    std::ostringstream out;
    void rect(double x, double y, double w, double h, const Rgb* fill, Rgb stroke, double width) override
    {
        if (!fill && width <= 0)
            return;
        if (fill)
            out << color(*fill, "rg");
        if (width > 0)
            out << color(stroke, "RG") << number(width) << " w ";
        out << number(x) << ' ' << number(m_height - y - h) << ' ' << number(w) << ' ' << number(h) << " re "
            << (fill ? (width > 0 ? "B" : "f") : "S") << '\n';
    }
    void curve(const std::vector<GraphPoint>& b, Rgb stroke) override
    {
        out << color(stroke, "RG") << "1 w " << point(b[0]) << " m";
        for (size_t i = 1; i + 2 < b.size(); i += 3)
            out << ' ' << point(b[i]) << ' ' << point(b[i + 1]) << ' ' << point(b[i + 2]) << " c";
        out << " S\n";
    }
    void triangle(GraphPoint a, GraphPoint b, GraphPoint c, Rgb fill) override
    {
        out << color(fill, "rg") << point(a) << " m " << point(b) << " l " << point(c) << " l f\n";
    }
    void text(double x, double y, const std::string& t, double size, bool bold, Rgb c, Anchor anchor) override
    {
        const std::string s = winAnsi(t);
        const double width = 0.55 * size * static_cast<double>(s.size()); // Helvetica's average advance
        if (anchor == Anchor::Middle)
            x -= width / 2;
        else if (anchor == Anchor::End)
            x -= width;
        out << color(c, "rg") << "BT /" << (bold ? "F2 " : "F1 ") << number(size) << " Tf " << number(x) << ' '
            << number(m_height - y) << " Td (" << s << ") Tj ET\n";
    }

private:
    static std::string color(Rgb c, const char* op)
    {
        return number(c.r / 255.0) + ' ' + number(c.g / 255.0) + ' ' + number(c.b / 255.0) + ' ' + op + ' ';
    }
    std::string point(GraphPoint p) const { return number(p.x) + ' ' + number(m_height - p.y); }
    double m_height;
};

} // namespace

std::string graphSvg(const ModelGraph& graph, const GraphLayout& layout, const GraphColoring& coloring)
{
    const double width = std::max(layout.width, kGraphMinWidth);
    const double height = layout.height + kGraphLegendHeight;
    SvgCanvas canvas;
    canvas.out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
               << number(width) << "pt\" height=\"" << number(height) << "pt\" viewBox=\"0 0 " << number(width) << ' '
               << number(height) << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
               << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    drawGraphLegend(canvas, coloring, width);
    drawGraphBody(canvas, graph, layout, coloring, kGraphLegendHeight);
    canvas.out << "</svg>\n";
    return canvas.out.str();
}

std::string graphPdf(const ModelGraph& graph, const GraphLayout& layout, const GraphColoring& coloring)
{
    const double width = std::max(layout.width, kGraphMinWidth);
    const double height = layout.height + kGraphLegendHeight;
    PdfCanvas canvas(height);
    drawGraphLegend(canvas, coloring, width);
    drawGraphBody(canvas, graph, layout, coloring, kGraphLegendHeight);
    const std::string content = canvas.out.str();
    const std::vector<std::string> objects{
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + number(width) + ' ' + number(height)
            + "] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream"};
    std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t offset : offsets) {
        char line[24];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
        pdf += line;
    }
    pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n"
           + std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

std::string plainNumber(double value, int decimals)
{
    char text[64];
    const auto r = decimals >= 0 ? std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, decimals)
                                 : std::to_chars(text, text + sizeof text, value, std::chars_format::general, -decimals);
    return std::string(text, r.ptr);
}

} // namespace bitlens
