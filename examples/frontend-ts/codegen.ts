// graphql-codegen reads gridgov's committed, printed schema (never a running server: production
// turns introspection off) and writes typed documents for the operations in src/.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../graph/schema.graphqls",
  documents: ["src/**/*.ts", "!src/gql/**"],
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        scalars: { ID: "string", Time: "string", Cursor: "string", Map: "Record<string, unknown>" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
