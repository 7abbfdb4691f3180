# Reference values for tests/test_scales.py: psych::alpha and lavaan one-factor CFAs
# on the Holzinger-Swineford (1939) data, as saved by make_data.py (run that first).
#
# Run from the repository root:
#   .venv/bin/python tests/reference/scales/make_data.py
#   Rscript tests/reference/scales/make_reference.R
# Needs R with psych, lavaan and jsonlite (Debian: r-cran-psych r-cran-lavaan r-cran-jsonlite).
# Writes tests/reference/scales/holzinger39_reference.json; the tests read the JSON and need no R.

suppressPackageStartupMessages({
  library(psych)
  library(lavaan)
  library(jsonlite)
})

here <- "tests/reference/scales"
constructs <- list(
  visual = c("x1", "x2", "x3"),
  textual = c("x4", "x5", "x6"),
  speed = c("x7", "x8", "x9"),
  all9 = paste0("x", 1:9)
)

one <- function(data, name, items) {
  x <- na.omit(data[, items])  # listwise deletion, as satisfaction.reliability does
  a <- psych::alpha(x, check.keys = FALSE, warnings = FALSE)
  fit <- lavaan::cfa(paste(name, "=~", paste(items, collapse = " + ")), data = x,
                     std.lv = TRUE, estimator = "ML")
  pe <- lavaan::parameterEstimates(fit)
  std <- lavaan::standardizedSolution(fit)
  lam <- pe$est[pe$op == "=~"]
  theta <- pe$est[pe$op == "~~" & pe$lhs == pe$rhs & pe$lhs %in% items]
  l <- std$est.std[std$op == "=~"]
  # omega as a defined parameter: its delta-method (Wald) interval, as reliability() reports it
  k <- length(items)
  lam_sum <- paste0("l", seq_len(k), collapse = " + ")
  syntax <- paste(c(
    paste(name, "=~", paste0("l", seq_len(k), "*", items, collapse = " + ")),
    paste0(items, " ~~ t", seq_len(k), "*", items),
    sprintf("omega := (%s)^2 / ((%s)^2 + %s)", lam_sum, lam_sum, paste0("t", seq_len(k), collapse = " + "))
  ), collapse = "\n")
  fit_omega <- lavaan::cfa(syntax, data = x, std.lv = TRUE, estimator = "ML")
  def <- lavaan::parameterEstimates(fit_omega, level = 0.95)
  def <- def[def$op == ":=", ]
  list(
    construct = name,
    items = items,
    n = nrow(x),
    call_alpha = "psych::alpha(na.omit(x), check.keys = FALSE)",
    alpha = a$total$raw_alpha,
    feldt_lower = a$feldt$lower.ci[[1]],
    feldt_upper = a$feldt$upper.ci[[1]],
    alpha_if_deleted = a$alpha.drop$raw_alpha,
    item_total_r = a$item.stats$r.drop,
    mean = a$item.stats$mean,
    sd = a$item.stats$sd,
    call_lavaan = "lavaan::cfa('<name> =~ <items>', data = na.omit(x), std.lv = TRUE, estimator = 'ML')",
    std_loadings = l,
    omega_total = sum(lam)^2 / (sum(lam)^2 + sum(theta)),
    composite_reliability = sum(l)^2 / (sum(l)^2 + sum(1 - l^2)),
    ave = mean(l^2),
    omega_defined = def$est,
    omega_se = def$se,
    omega_ci_lower = def$ci.lower,
    omega_ci_upper = def$ci.upper
  )
}

out <- list(
  generated_by = "tests/reference/scales/make_reference.R",
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  lavaan_version = as.character(packageVersion("lavaan"))
)
for (file in c("holzinger39", "holzinger39_missing")) {
  data <- read.csv(file.path(here, paste0(file, ".csv")))
  out[[file]] <- lapply(names(constructs), function(nm) one(data, nm, constructs[[nm]]))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "holzinger39_reference.json"))
cat("wrote", file.path(here, "holzinger39_reference.json"), "\n")
