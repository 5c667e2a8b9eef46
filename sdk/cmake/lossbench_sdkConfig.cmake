# find_package(lossbench_sdk) for out-of-tree plugins: gives lossbench::sdk and lossbench_add_plugin().
include(CMakeFindDependencyMacro)
find_dependency(Eigen3 3.3 NO_MODULE)
include("${CMAKE_CURRENT_LIST_DIR}/lossbench_sdkTargets.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/LossbenchPlugin.cmake")
