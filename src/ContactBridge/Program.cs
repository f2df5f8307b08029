using ContactBridge.Cli;

// contactbridge serve | demo | admin | tenant | system-app | link …  (contactbridge --help lists them)
return await CliCommands.Build().Parse(args).InvokeAsync();
